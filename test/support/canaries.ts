/**
 * The run-wide canaries: markers tests put in tips and messages, and every
 * log line of every app the tests started. At the very end of the run the
 * root hook searches the database, Redis and all logs for them and for the
 * documentation address ranges the tests use as tipsters' addresses
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).
 */
export const TEST_ADDRESS = /\b(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}\b/;

const markers = new Set<string>();
export const allLogs: string[] = [];

/** Remember a marker that must never be stored or logged in the clear. */
export function registerCanary(marker: string): string {
  markers.add(marker);
  return marker;
}

export function registeredCanaries(): string[] {
  return [...markers];
}
