// How refusals name a field and the number in it: in the .proto's words, as a caller who
// wrote the request knows them, and never with a number other than the one sent.

/** The .proto's name of a field (snake_case), from its name in our code (camelCase). */
export function protoFieldName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * An out-of-range integer as a message shows it. Past 2^53 - 1 the number decoded is already
 * rounded: printing it would name a value nobody sent.
 */
export function shownInteger(value: number): string {
  if (Number.isSafeInteger(value)) return `${value}`;
  return value > 0 ? "a value past 2^53 - 1" : "a value below -(2^53 - 1)";
}
