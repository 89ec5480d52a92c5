/** `tabula master`, `tabula tablet-server` and `tabula cluster …` (cluster mode). */
import type { Command } from 'commander';

export function registerClusterCommands(_program: Command): void {
  // Cluster processes and introspection commands are registered here.
}
