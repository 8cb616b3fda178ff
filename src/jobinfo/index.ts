export { parseEventlog, parseEventlogEntry, parseEventlogLine, EventlogError, type EventlogEntry, type EventlogErrorCode } from './eventlog';
export {
  decodeOutputEventlog,
  DEFAULT_MAX_OUTPUT_BYTES,
  JobOutputLog,
  OutputEventlogError,
  OutputFollower,
  type OutputChunk,
  type DecodeOutputOptions,
  type OutputEventlogErrorCode,
  type OutputHeader,
  type OutputRedirect,
  type ShellLogMessage,
  type TaskStream,
} from './output-eventlog';
export { JobInfoAnswer, JobInfoKey, JobInfoLookupRPC, jobInfoLookup, lookupPayload, type LookupRequest } from './job-info-lookup';
export { classifyJobInfoFailure, JobInfoFailure, type ClassifiedJobInfoFailure } from './job-info-failure';
export { lookupJobKeys, lookupFlagsFor, type JobKeyOutcome, type JobKeysResult, type LookupJobKeysOptions } from './job-keys';
export { watchEventlog, eventlogWatchPayload, type EventlogWatchItem, type EventlogWatchRequest } from './eventlog-watch';
export { watchJournal, eventsJournalPayload, type EventsJournalRequest, type JournalItem } from './events-journal';
export { stateAfterEvent } from './job-state-events';
