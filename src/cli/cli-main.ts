/**
 * The cbt-vocabulary commands of `tabula` (createtable, ls, read, set, …) and
 * `tabula shell`. Uses src/client only.
 */

/** True when argv (after `node tabula`) is a cbt-style invocation handled here. */
export function isCliInvocation(_args: string[]): boolean {
  return false;
}

/** Runs a cbt-style invocation; resolves the process exit code. */
export async function runCli(_args: string[]): Promise<number> {
  return 2;
}
