/**
 * A program in a real pseudo-terminal: a detached tmux session on a private
 * socket (so tests never touch a user's tmux server). Keys go in with
 * send-keys, the screen comes out with capture-pane.
 */
import { execFileSync } from 'node:child_process';

const TMUX = '/usr/bin/tmux';

export class TmuxSession {
  private readonly socket = `tabula-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly name = 'shell';

  constructor(command: string[], env: Record<string, string>) {
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    this.tmux(['new-session', '-d', '-s', this.name, '-x', '160', '-y', '50', 'env', ...envArgs, ...command]);
  }

  private tmux(args: string[]): string {
    return execFileSync(TMUX, ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 });
  }

  /** Types text literally (no key names interpreted). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', this.name, '-l', text]);
  }

  /** Presses keys by tmux name: Enter, Tab, Up, C-d … */
  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  screen(): string {
    try {
      return this.tmux(['capture-pane', '-p', '-t', this.name]);
    } catch {
      return '';
    }
  }

  /** Polls the screen (every 100 ms, at most timeoutMs) until `test` holds; returns it. */
  async waitFor(test: (screen: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let s = '';
    while (Date.now() < deadline) {
      s = this.screen();
      if (test(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
  }

  alive(): boolean {
    try {
      this.tmux(['has-session', '-t', this.name]);
      return true;
    } catch {
      return false;
    }
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
  }
}
