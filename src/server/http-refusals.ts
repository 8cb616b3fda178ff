/**
 * Malformed HTTP requests that yoga answers without a GraphQL error of its own:
 * - a POST body of a media type no parser reads (text/plain, application/xml, none at all) gets
 *   a bare 415 with an empty body;
 * - `variables` or `extensions` that are not JSON, in a GET query string or a form body, escape
 *   yoga's parser as a SyntaxError, which error masking turns into "Unexpected error." (500);
 * - an Accept header that allows no type yoga can answer in gets a bare 406.
 * All are the client's mistake, so all are answered here with a coded error that says what to send.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { existingObservationOf } from './request-observation';

export const UNSUPPORTED_MEDIA_TYPE_CODE = 'UNSUPPORTED_MEDIA_TYPE';
export const NOT_ACCEPTABLE_CODE = 'NOT_ACCEPTABLE';

/** What yoga's request parsers read, less multipart (file uploads, which this schema has none of: see app.ts). */
const READABLE_BODY_TYPES = ['application/json', 'application/graphql+json', 'application/graphql', 'application/x-www-form-urlencoded'];

function unsupportedMediaType(request: Request, fetchAPI: { Response: typeof Response }): Response {
  const type = request.headers.get('content-type');
  const given = type === null ? 'a POST body without a Content-Type' : `a POST body of type "${type.slice(0, 100)}"`;
  const message = `This server cannot read ${given}: send ${READABLE_BODY_TYPES.join(', ')}, or the query in a GET request.`;
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: UNSUPPORTED_MEDIA_TYPE_CODE } }] }), {
    status: 415,
    // A 415's Accept names the types of request content the server takes (RFC 9110, 12.5.1).
    headers: { 'content-type': 'application/json; charset=utf-8', accept: READABLE_BODY_TYPES.join(', ') },
  });
}

function notAcceptable(acceptable: readonly string[], fetchAPI: { Response: typeof Response }): Response {
  const message = `The Accept header allows no type this answer can be sent in: accept one of ${acceptable.join(', ')}.`;
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: NOT_ACCEPTABLE_CODE } }] }), {
    status: 406,
    headers: { 'content-type': 'application/json; charset=utf-8', accept: acceptable.join(', ') },
  });
}

function parameterNotJson(error: SyntaxError): Error {
  return createGraphQLError(`The "variables" or "extensions" parameter is not JSON (${error.message}).`, {
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  });
}

/**
 * Must come before yoga's own method check (it does: user plugins run before it) and after
 * its request parsers and result processors (they are registered first), so that
 * `requestParser` and `resultProcessor` are the ones chosen, if any.
 */
export function useCodedHttpRefusals(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, endResponse, fetchAPI }) {
      if (requestParser === undefined) {
        // Other methods than POST are yoga's method check's to refuse (405).
        if (request.method === 'POST') {
          existingObservationOf(request)?.errorCodes.add(UNSUPPORTED_MEDIA_TYPE_CODE);
          endResponse(unsupportedMediaType(request, fetchAPI));
        }
        return;
      }
      const parse = requestParser;
      setRequestParser(async (parsed) => {
        try {
          return await parse(parsed);
        } catch (error) {
          // yoga's own parse errors are GraphQLErrors with a code; a SyntaxError is JSON.parse's.
          throw error instanceof SyntaxError ? parameterNotJson(error) : error;
        }
      });
    },
    onResultProcess({ request, resultProcessor, acceptableMediaTypes, setResultProcessor }) {
      // yoga's result processors come first and have each offered their types by now.
      if (resultProcessor !== undefined) return;
      existingObservationOf(request)?.errorCodes.add(NOT_ACCEPTABLE_CODE);
      setResultProcessor((_result, fetchAPI) => notAcceptable(acceptableMediaTypes, fetchAPI), 'application/json');
    },
  };
}
