/**
 * Copies a string so that it no longer refers to the text it was cut from.
 *
 * V8 represents `slice()` / `substring()` results of 13 characters or more as
 * views into the parent string. A streamed trace is cut into lines from 1 MiB
 * chunks, so a 16-character pointer kept as a map key would keep its whole
 * chunk alive: memory would grow with the file instead of the live state.
 * Every string that outlives its line must go through `detach`.
 *
 * The concatenation makes a cons string, which `slice` flattens into a fresh
 * sequential copy; the result is a view of that copy only.
 */
export function detach(text: string): string {
  return (' ' + text).slice(1);
}
