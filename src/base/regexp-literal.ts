/**
 * Text placed inside a regular expression as itself. The patch rules build
 * patterns from names the C parser found (a callee, a label, a variable);
 * in a damaged patch a "name" can hold any character, and an unescaped one
 * would make `new RegExp` throw and take the whole review down with it.
 */

/** `text` with every character that means something in a pattern escaped. */
export function regExpLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
