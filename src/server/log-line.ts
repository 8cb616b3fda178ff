/** Where the server's lines for its operator go (start-up, warnings, restarts): standard output unless a caller says otherwise. */
export type Log = (line: string) => void;

export const consoleLog: Log = (line) => console.log(line);
