/** Where the package tells what it does: registrations, lost streams, failing handlers. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The console, each line prefixed `gilmour-proxy:`; debug lines are dropped. */
export const consoleLogger: Logger = {
  debug: () => {},
  info: (message) => console.log(`gilmour-proxy: ${message}`),
  warn: (message) => console.warn(`gilmour-proxy: ${message}`),
  error: (message) => console.error(`gilmour-proxy: ${message}`),
};
