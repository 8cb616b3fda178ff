/**
 * CSRF prevention (yoga's plugin, @graphql-yoga/plugin-csrf-prevention): a GraphQL request a
 * browser would send from any page without asking the server first — a GET, or a POST of a form
 * or of text/plain — must carry a header a page of another site cannot set without a CORS
 * preflight, which this server refuses unless --cors-origin allows that site. POST with
 * Content-Type application/json (scripts, curl, GraphiQL) is always preflighted and needs none.
 * The GraphiQL page itself is served before this check (yoga answers it when the request is read).
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** The header (any non-empty value) a GET client sends: yoga's own name for it. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';
export const CSRF_CODE = 'CSRF_HEADER_REQUIRED';

function refusal(): Error {
  return createGraphQLError(
    `This request needs the header "${CSRF_HEADER}" (any non-empty value, e.g. 1): a GET, form or text/plain request without it could come from another site's page (cross-site request forgery). POST with Content-Type application/json needs no such header.`,
    { extensions: { code: CSRF_CODE, header: CSRF_HEADER, http: { status: 403 } } },
  );
}

/** yoga's check, with a refusal that has a code and says which header to send. */
export function useCsrfPrevention(): Plugin {
  const check = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      try {
        return check.onRequestParse?.(payload);
      } catch (error) {
        throw error instanceof GraphQLError ? refusal() : error;
      }
    },
  };
}
