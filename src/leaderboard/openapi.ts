/** The OpenAPI 3.1 description of the JSON API, served at GET /api/openapi.json. */

const bearer = [{ token: [] }];
const admin = [{ admin: [] }];
const error = { description: 'error with a reason', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const ok = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  description, content: { 'application/json': { schema } },
});
const idParam = (name: string, type: 'string' | 'integer' = 'string') => ({ name, in: 'path', required: true, schema: { type } });
/** The database or the file storage cannot be reached right now: nothing was changed; try again after Retry-After. */
const unavailable = { $ref: '#/components/responses/Unavailable' };
/** Boards and history are encoded once per change: ETag, gzip, and 304 for a client that has them. */
const cached = (description: string, schema: Record<string, unknown>) => ({
  description: `${description}. Sent with an ETag (and gzip when asked for); Cache-Control: no-cache`,
  headers: { ETag: { schema: { type: 'string' } } },
  content: { 'application/json': { schema } },
});
const ifNoneMatch = { name: 'If-None-Match', in: 'header', schema: { type: 'string' }, description: 'the ETag of the copy you have: 304 when it is still current' };
const notModified = { description: 'not modified: your copy (its ETag) is current' };

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'podium leaderboard API',
      version: '1',
      description: 'Participants register, submit files, and read leaderboards. Private scores are only served after a challenge ends.',
    },
    components: {
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer', description: 'participant token from POST /api/participants' },
        admin: { type: 'http', scheme: 'bearer', description: 'PODIUM_ADMIN_TOKEN' },
      },
      schemas: {
        Error: {
          type: 'object', required: ['error'],
          properties: {
            error: { type: 'string' }, errors: { type: 'array', items: { type: 'object' } }, resets_at: { type: ['string', 'null'] },
            retry_after: { type: 'integer', description: 'on a 503: seconds to wait before trying again (also the Retry-After header)' },
          },
        },
        Submission: {
          type: 'object',
          properties: {
            id: { type: 'integer' }, status: { enum: ['queued', 'scoring', 'scored', 'failed'] }, queue_position: { type: ['integer', 'null'], description: '1 = next to be scored, 0 = being scored now, null = not pending' },
            error: { type: ['string', 'null'] }, scores: { type: 'object', description: 'by split: public (always), private (after the end)' },
            intervals: { type: 'object', description: '95% bootstrap interval of the primary metric by split' },
          },
        },
        Entry: {
          type: 'object',
          properties: {
            rank: { type: ['integer', 'null'], description: 'null for baseline rows' }, tied: { type: 'boolean', description: '95% interval overlaps the ranked entry above' },
            team: { type: 'string' }, baseline: { type: 'boolean' }, score: { type: 'number' }, ci: { type: ['array', 'null'], items: { type: 'number' } },
            submitted_at: { type: 'string', format: 'date-time' }, public_rank: { type: ['integer', 'null'] }, rank_change: { type: ['integer', 'null'] },
            latency: { type: 'object' },
          },
        },
        HistoryPage: {
          type: 'object',
          properties: {
            total: { type: 'integer', description: 'points in all' }, offset: { type: 'integer' }, limit: { type: 'integer' },
            next: { type: ['string', 'null'], description: 'the URL of the following page, null on the last' },
            points: { type: 'array', items: { type: 'object', properties: { t: { type: 'string', format: 'date-time' }, score: { type: 'number' }, team: { type: 'string' }, baseline: { type: 'boolean' } } } },
          },
        },
      },
      responses: {
        Unavailable: {
          description: 'the database or the file storage cannot be reached right now; nothing was changed or stored',
          headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds (5)' } },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
    paths: {
      '/api/participants': { post: { summary: 'register; the token is shown once', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' } }, required: ['name', 'email'] } } } }, responses: { 201: ok('id, name, token'), 400: error } } },
      '/api/me': { get: { summary: 'who the token belongs to and their teams', security: bearer, responses: { 200: ok('participant'), 401: error } } },
      '/api/challenges': { get: { summary: 'challenges with task, primary metric and phase dates', responses: { 200: ok('challenges') } } },
      '/api/challenges/{id}': { get: { summary: 'one challenge', parameters: [idParam('id')], responses: { 200: ok('challenge'), 404: error } } },
      '/api/challenges/{id}/submissions': {
        post: {
          summary: 'upload a submission (multipart: file, description); validated before it is queued', security: bearer, parameters: [idParam('id')],
          requestBody: { content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, description: { type: 'string' } }, required: ['file'] } } } },
          responses: { 202: ok('id, status, queue_position'), 400: error, 401: error, 403: error, 413: error, 429: error, 503: unavailable },
        },
        get: { summary: "your team's submissions", security: bearer, parameters: [idParam('id')], responses: { 200: ok('submissions'), 401: error } },
      },
      '/api/submissions/{id}': { get: { summary: 'status and scores of your submission', security: bearer, parameters: [idParam('id', 'integer')], responses: { 200: ok('submission', { $ref: '#/components/schemas/Submission' }), 404: error } } },
      '/api/submissions/{id}/select': { post: { summary: 'mark (or with {"selected": false} unmark) a final selection', security: bearer, parameters: [idParam('id', 'integer')], responses: { 200: ok('submission'), 409: error } } },
      '/api/challenges/{id}/leaderboard': {
        get: {
          summary: 'leaderboard, one row per team; private only after the end', parameters: [idParam('id'), { name: 'split', in: 'query', schema: { enum: ['public', 'private'] } }, ifNoneMatch],
          responses: {
            200: cached('entries', {
              type: 'object',
              properties: {
                entries: { type: 'array', items: { $ref: '#/components/schemas/Entry' } },
                latency_columns: { type: 'array', items: { type: 'string' } },
                metric_columns: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, label: { type: 'string' }, title: { type: 'string' } } } },
              },
            }),
            304: notModified, 403: error, 404: error, 503: unavailable,
          },
        },
      },
      '/api/challenges/{id}/leaderboard.csv': {
        get: {
          summary: 'the same leaderboard as CSV (full precision), a download', parameters: [idParam('id'), { name: 'split', in: 'query', schema: { enum: ['public', 'private'] } }, ifNoneMatch],
          responses: {
            200: { description: 'CSV. Sent with an ETag (and gzip when asked for); Cache-Control: no-cache', headers: { ETag: { schema: { type: 'string' } } }, content: { 'text/csv': {} } },
            304: notModified, 403: error, 404: error, 503: unavailable,
          },
        },
      },
      '/api/challenges/{id}/history': {
        get: {
          summary: 'public scores over time, oldest first, a page at a time (follow `next`)',
          parameters: [
            idParam('id'),
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 } },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
            ifNoneMatch,
          ],
          responses: { 200: cached('one page of points', { $ref: '#/components/schemas/HistoryPage' }), 304: notModified, 400: error, 404: error, 503: unavailable },
        },
      },
      '/api/challenges/{id}/team': { get: { summary: 'your team, members and invite code', security: bearer, parameters: [idParam('id')], responses: { 200: ok('team'), 404: error } } },
      '/api/challenges/{id}/teams': { post: { summary: 'create a team (before your first submission)', security: bearer, parameters: [idParam('id')], responses: { 201: ok('id, name, invite_code'), 409: error } } },
      '/api/challenges/{id}/teams/join': { post: { summary: 'join a team by invite code, within the size limit', security: bearer, parameters: [idParam('id')], responses: { 200: ok('team'), 404: error, 409: error } } },
      '/api/admin/challenges/{id}/pause': { post: { summary: 'pause ({"paused": true}) or resume submissions and scoring', security: admin, parameters: [idParam('id')], responses: { 200: ok('state') } } },
      '/api/admin/challenges/{id}/rescore': { post: { summary: 'rescore every scored submission with the current evaluator (?outdated=1: only those scored by another version)', security: admin, parameters: [idParam('id'), { name: 'outdated', in: 'query', schema: { enum: ['0', '1'] } }], responses: { 202: ok('run_id, jobs') } } },
      '/api/admin/rescores/{run}': { get: { summary: 'progress of a rescore and what moved', security: admin, parameters: [idParam('run', 'integer')], responses: { 200: ok('report') } } },
      '/api/admin/submissions/{id}/disqualify': { post: { summary: 'disqualify a submission', security: admin, parameters: [idParam('id', 'integer')], responses: { 200: ok('done') } } },
      '/api/admin/teams/{id}/disqualify': { post: { summary: 'disqualify a team', security: admin, parameters: [idParam('id', 'integer')], responses: { 200: ok('done') } } },
      '/api/admin/challenges/{id}/leaderboard.csv': { get: { summary: 'export a leaderboard (either split)', security: admin, parameters: [idParam('id')], responses: { 200: { description: 'CSV', content: { 'text/csv': {} } } } } },
      '/api/admin/challenges/{id}/submissions.csv': { get: { summary: 'export every submission', security: admin, parameters: [idParam('id')], responses: { 200: { description: 'CSV', content: { 'text/csv': {} } } } } },
      '/api/health': { get: { summary: 'liveness and pending jobs', responses: { 200: ok('ok') } } },
    },
  };
}
