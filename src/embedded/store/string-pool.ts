/**
 * Interned strings: a job keeps a small integer per text field instead of a string reference,
 * so a million jobs sharing a handful of queues, names and cwds store each text once.
 * Index 0 means "no string".
 */
export class StringPool {
  private readonly texts: string[] = [''];
  private readonly indexes = new Map<string, number>();

  /** The index of `text`, adding it on first use. */
  intern(text: string): number {
    let index = this.indexes.get(text);
    if (index === undefined) {
      index = this.texts.length;
      this.texts.push(text);
      this.indexes.set(text, index);
    }
    return index;
  }

  /** Index for an optional string: 0 for undefined. */
  internOptional(text: string | undefined): number {
    return text === undefined ? 0 : this.intern(text);
  }

  /** The string at `index`, or undefined for 0. */
  get(index: number): string | undefined {
    return index === 0 ? undefined : this.texts[index];
  }

  get size(): number {
    return this.texts.length - 1;
  }
}
