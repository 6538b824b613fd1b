/** The one error type of configuration: its message is one line naming the variable at fault. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
