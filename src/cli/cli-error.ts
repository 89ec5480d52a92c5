/** A usage or input error of a CLI command: printed as one line, exit code 1, never a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}
