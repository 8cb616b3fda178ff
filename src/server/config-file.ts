/**
 * `--config FILE`: every option of a command, written in TOML under its long name
 * (`port = 4100`, `max-page-size = 200`, `live = false`, `cors-origin = ["https://a.org"]`).
 * A value from the command line or the environment wins over the file's; the file's values go
 * through the same parsers as the flags', so a bad one is refused with the same sentence.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command, type Option } from 'commander';
import { parse, TomlError } from 'smol-toml';

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

const camelCase = (key: string): string => key.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());

function readToml(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof TomlError) throw new ConfigFileError(`the config file ${path} is not valid TOML: ${error.message.split('\n')[0] ?? ''}`);
    throw error;
  }
}

function valueFor(option: Option, key: string, value: unknown, path: string): unknown {
  const takesArgument = option.required || option.optional;
  if (!takesArgument) {
    // A negatable pair (--live / --no-live) shares one value; the file names the positive form.
    if (typeof value !== 'boolean') throw new ConfigFileError(`${path}: "${key}" must be true or false`);
    return value;
  }
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && !Array.isArray(option.defaultValue)) throw new ConfigFileError(`${path}: "${key}" takes one value, not a list`);
  let result: unknown = option.defaultValue;
  let first = true;
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number') throw new ConfigFileError(`${path}: "${key}" must be a string or a number`);
    try {
      // Repeatable options (collectors) start from an empty list, as on the command line.
      const previous = first && Array.isArray(option.defaultValue) ? [] : result;
      result = option.parseArg === undefined ? String(item) : option.parseArg(String(item), previous);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new ConfigFileError(`${path}: "${key}": ${error.message}`);
      throw error;
    }
    first = false;
  }
  return result;
}

/** Sets every option the file names and the command line and environment did not. */
export function applyConfigFile(command: Command, path: string): void {
  const values = readToml(path);
  for (const [key, value] of Object.entries(values)) {
    const attribute = camelCase(key);
    const option = command.options.find((candidate) => candidate.attributeName() === attribute && !candidate.negate) ?? command.options.find((candidate) => candidate.attributeName() === attribute);
    if (option === undefined || attribute === 'config') throw new ConfigFileError(`${path}: "${key}" is not an option of flux-graphql ${command.name()}`);
    const source = command.getOptionValueSource(attribute);
    if (source === 'cli' || source === 'env') continue;
    command.setOptionValueWithSource(attribute, valueFor(option, key, value, path), 'config');
  }
}
