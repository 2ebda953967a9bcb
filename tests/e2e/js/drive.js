#!/usr/bin/env node
/*
 * drive.js: drives the official, unmodified @wetransfer/js-sdk 1.2.0 against a transferd server.
 *
 *   TRANSFERD_URL=http://127.0.0.1:8000 TRANSFERD_API_KEY=tfd_sk_... node drive.js <scenario> [file ...]
 *
 * Scenarios: authorize | transfer-content FILE... | transfer-manual FILE... | board FILE...
 * Prints one line of JSON to stdout (the last line) and exits 0; on failure prints the SDK's error
 * text plus the failing HTTP exchange to stderr and exits 1 (2 = usage error, 3 = timeout).
 * Optional env: DRIVE_RETRIES (default 0), DRIVE_CHUNK_RETRIES (default 0),
 * DRIVE_LOG_LEVEL (default "warn"; "debug" logs every SDK request, on stdout), DRIVE_TIMEOUT_MS (default 120000).
 *
 * ---------------------------------------------------------------------------------------------
 * What SDK 1.2.0 does on the wire (read from src/ and observed on a loopback stand-in server)
 * ---------------------------------------------------------------------------------------------
 * Redirect: src/request/index.js sets `axios.defaults.baseURL = 'https://dev.wetransfer.com/'` on
 *   the axios 0.19.0 copy it resolves; routes are relative (`/v2/...`). We resolve that same copy from
 *   the SDK's own directory and overwrite baseURL after requiring the SDK. There is no baseURL option:
 *   the config object is Object.seal()ed, unknown options throw. Known options: retries, retryDelay,
 *   chunkRetries, chunkRetryDelay (never used), concurrency (IGNORED: both queues are built with the
 *   default 5 when the SDK module loads), logger.level.
 * API calls (request.send): headers `Content-Type: application/json`, `x-api-key`, `Authorization:
 *   Bearer <jwt>` (once a jwt is stored; on every later call, GETs and re-authorize included),
 *   `Accept: application/json, text/plain, *\/*`, `User-Agent: axios/0.19.0`. Bodies are JSON; a null
 *   body means no body: GETs have no Content-Length, body-less PUT/POST go out with `Content-Length: 0`.
 *   Any 2xx is success (axios validateStatus); the status code itself is never checked.
 * authorize: createWTClient(key, opts) does `POST /v2/authorize` with no body and no Authorization,
 *   stores `response.token` (a missing token only means no Authorization header later). client.authorize()
 *   repeats the call WITH the stored `Authorization: Bearer` header and returns the body; the stored jwt is
 *   not updated. The retry interceptor is installed only after the first authorize.
 * transfer.create({message, files:[{name,size,content}]}): `POST /v2/transfers` body
 *   `{"message":...,"files":[{"name":<sanitized>,"size":N}]}` (message dropped when undefined; names go
 *   through emoji-strip + sanitize-filename). Response -> RemoteTransfer: needs a `files` array (crashes
 *   otherwise), `expires_at` is parsed with new Date(). If EVERY file has `content`, it uploads: content
 *   is looked up by response `files[].name` (must equal the sanitized local name, else a TypeError), each
 *   file goes through a files queue (concurrency 5) and each part through a chunks queue (concurrency
 *   5, one queue shared by all files): part k = content.slice((k-1)*chunk_size, k*chunk_size) for k = 1..part_numbers,
 *   using the server's multipart values verbatim. Per part: `GET /v2/transfers/{id}/files/{fid}/upload-url/{k}`
 *   (reads `url`), then a bare axios `PUT url` with the bytes: NO x-api-key, NO Authorization,
 *   `Content-Type: application/x-www-form-urlencoded` (the axios default for PUT), Content-Length set; the
 *   response body is ignored. An absolute url is used as is; a relative one would be joined to baseURL.
 *   Parts of one file are in flight concurrently and may arrive out of order. After all parts of a file:
 *   `PUT .../files/{fid}/upload-complete` body `{"part_numbers":N}` (N from the create response; response
 *   ignored). After all files: `PUT /v2/transfers/{id}/finalize` with no body; the response becomes the
 *   return value (RemoteTransfer again, so finalize MUST return a `files` array; `url` is what users print).
 * Manual flow (files without content): create returns the `uploading` RemoteTransfer;
 *   transfer.getFileUploadURL(transferId, fileId, partNumber) -> the `{success,url}` body;
 *   1.2.0 exposes NO chunk-upload method: its README/example PUTs the bytes with plain axios, which is
 *   what the SDK does internally (same axios copy, same headers), so we do exactly that;
 *   transfer.completeFileUpload(transfer, file) -> body `{"part_numbers":file.multipart.part_numbers}`
 *   (no body if that is missing); transfer.finalize(transferObject) (it reads `.id`; the typings' string
 *   argument would hit /v2/transfers/undefined/finalize). These three are NOT wrapped in WTError.
 * transfer.find(id): `GET /v2/transfers/{id}` -> RemoteTransfer (needs `files`).
 * board.create({name, description}): `POST /v2/boards` `{"name":...,"description":...}` (description
 *   dropped when undefined, null when null) -> RemoteBoard: needs an `items` array; items with a `type`
 *   other than "file"/"link" become undefined.
 * board.addLinks(boardObject, [{url,title}]): `POST /v2/boards/{id}/links` with a bare array
 *   `[{"url":...,"title": title || url}]`; the response MUST be an array (`.map`). Needs the RemoteBoard
 *   object (it calls board.addLinks()), not an id as the typings say.
 * board.addFiles(boardObject, [{name,size,content}]): `POST /v2/boards/{id}/files` bare array
 *   `[{"name":...,"size":N}]`; the response MUST be an array of files with id, name,
 *   multipart.{id,part_numbers,chunk_size}. With content on every file it uploads like transfers, with
 *   `GET /v2/boards/{id}/files/{fid}/upload-url/{k}/{multipart.id}` and then
 *   `PUT /v2/boards/{id}/files/{fid}/upload-complete` with body `{"part_numbers":N}` (the transfer helper
 *   is reused; a server must ignore it). No finalize for boards. Returns the added files.
 * board.find(id): `GET /v2/boards/{id}` -> RemoteBoard.
 * Retries: axios-retry on the shared axios instance, configured with `retries` (default 15, exponential
 *   100ms*2^n): only GET/PUT (never POST), only on 429 or 5xx. A transport error (refused/reset) makes the
 *   SDK's retryCondition itself throw `TypeError: Cannot read properties of undefined (reading 'status')`,
 *   which is what the caller then sees. Chunks: an additional queue-level retry, up to `chunkRetries`
 *   (default 30) immediate re-runs of upload-url + PUT on ANY error, 4xx included (chunkRetryDelay unused).
 * Errors: WTError message = "<wrapper text>\n<response.data.message>"; when wrappers nest (create ->
 *   upload -> axios) the inner server message is lost from the top-level text, so this script walks the
 *   `.raw` chain and prints every level plus the failing request and response.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const started = Date.now();
const SCENARIOS = ['authorize', 'transfer-content', 'transfer-manual', 'board'];

function usage(message) {
  process.stderr.write(
    `drive.js: ${message}\n` +
      'usage: TRANSFERD_URL=... TRANSFERD_API_KEY=... node drive.js ' +
      `<${SCENARIOS.join('|')}> [file ...]\n`
  );
  process.exit(2);
}

const scenario = process.argv[2];
const filePaths = process.argv.slice(3);
const baseUrl = process.env.TRANSFERD_URL;
const apiKey = process.env.TRANSFERD_API_KEY;
if (!SCENARIOS.includes(scenario)) usage(`unknown scenario ${JSON.stringify(scenario)}`);
if (!baseUrl || !/^https?:\/\//.test(baseUrl)) usage('TRANSFERD_URL must be an http(s) URL');
if (!apiKey) usage('TRANSFERD_API_KEY is not set');
if (scenario !== 'authorize' && filePaths.length === 0) usage(`${scenario} needs at least one file path`);

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) usage(`${name} must be a non-negative integer`);
  return value;
}

// The SDK, then the very axios copy it resolved (resolved from the SDK's own source directory).
const createWTClient = require('@wetransfer/js-sdk');
const sdkDir = path.dirname(require.resolve('@wetransfer/js-sdk/package.json'));
const sdkVersion = require(path.join(sdkDir, 'package.json')).version;
const axios = require(require.resolve('axios', { paths: [path.join(sdkDir, 'src', 'request')] }));
if (axios.defaults.baseURL !== 'https://dev.wetransfer.com/') {
  process.stderr.write(
    `drive.js: resolved an axios copy the SDK did not configure (baseURL ${axios.defaults.baseURL})\n`
  );
  process.exit(2);
}
axios.defaults.baseURL = `${baseUrl.replace(/\/+$/, '')}/`;

const options = {
  retries: intFromEnv('DRIVE_RETRIES', 0),
  chunkRetries: intFromEnv('DRIVE_CHUNK_RETRIES', 0),
  logger: { level: process.env.DRIVE_LOG_LEVEL || 'warn' },
};

const timeoutMs = intFromEnv('DRIVE_TIMEOUT_MS', 120000);
const watchdog = setTimeout(() => {
  process.stderr.write(`drive.js ${scenario}: timed out after ${timeoutMs} ms (the SDK never settled)\n`);
  process.exit(3);
}, timeoutMs);
watchdog.unref();

function readLocalFiles(paths) {
  return paths.map((filePath) => {
    const content = fs.readFileSync(filePath);
    return { name: path.basename(filePath), size: content.length, content };
  });
}

function metadataOnly(files) {
  return files.map(({ name, size }) => ({ name, size }));
}

function contentByName(files) {
  return new Map(files.map((file) => [file.name, file.content]));
}

// The manual flow as the SDK's README and example describe it: upload-url from the SDK, then a plain
// PUT through the SDK's axios (exactly what its internal request.upload does).
async function uploadFileByHand(client, kind, container, file, content, record) {
  if (!content) {
    throw new Error(`the server returned a file named ${JSON.stringify(file.name)} that was not sent`);
  }
  const { part_numbers: parts, chunk_size: chunkSize, id: multipartId } = file.multipart || {};
  for (let part = 1; part <= parts; part++) {
    const answer =
      kind === 'board'
        ? await client.board.getFileUploadURL(container.id, file.id, part, multipartId)
        : await client.transfer.getFileUploadURL(container.id, file.id, part);
    const chunk = content.slice((part - 1) * chunkSize, part * chunkSize);
    const put = await axios({ url: answer.url, method: 'put', data: chunk });
    record.uploads.push({ file: file.name, part, url: answer.url, status: put.status, bytes: chunk.length });
  }
  const completed =
    kind === 'board'
      ? await client.board.completeFileUpload(container, file)
      : await client.transfer.completeFileUpload(container, file);
  record.completed.push({ file: file.name, response: completed });
}

function transferSummary(transfer) {
  return {
    id: transfer.id,
    url: transfer.url,
    state: transfer.state,
    message: transfer.message,
    expires_at: transfer.expires_at instanceof Date && !isNaN(transfer.expires_at)
      ? transfer.expires_at.toISOString()
      : null,
    files: transfer.files,
  };
}

function boardSummary(board) {
  return {
    id: board.id,
    url: board.url,
    state: board.state,
    name: board.name,
    description: board.description,
    items: board.items,
  };
}

const scenarios = {
  async authorize() {
    const client = await createWTClient(apiKey, options);
    // createWTClient already authorized once; this second call carries the stored Bearer token.
    return await client.authorize();
  },

  async 'transfer-content'() {
    const files = readLocalFiles(filePaths);
    const client = await createWTClient(apiKey, options);
    const finalized = await client.transfer.create({ message: 'transferd e2e: content upload', files });
    const found = await client.transfer.find(finalized.id);
    return { ...transferSummary(found), finalized: transferSummary(finalized) };
  },

  async 'transfer-manual'() {
    const files = readLocalFiles(filePaths);
    const contents = contentByName(files);
    const client = await createWTClient(apiKey, options);
    const created = await client.transfer.create({
      message: 'transferd e2e: manual upload',
      files: metadataOnly(files),
    });
    const record = { uploads: [], completed: [] };
    for (const file of created.files) {
      await uploadFileByHand(client, 'transfer', created, file, contents.get(file.name), record);
    }
    const finalized = await client.transfer.finalize(created);
    const found = await client.transfer.find(created.id);
    return {
      ...transferSummary(found),
      created: transferSummary(created),
      finalized: transferSummary(finalized),
      ...record,
    };
  },

  async board() {
    const files = readLocalFiles(filePaths);
    const client = await createWTClient(apiKey, options);
    const board = await client.board.create({
      name: 'transferd e2e board',
      description: 'made by tests/e2e/js/drive.js',
    });
    const created = boardSummary({ ...board, items: [...board.items] });
    const links = await client.board.addLinks(board, [
      { url: 'https://example.com/first', title: 'First link' },
      { url: 'https://example.org/second' },
    ]);
    const added = await client.board.addFiles(board, files);
    const found = await client.board.find(board.id);
    return { ...boardSummary(found), created, links, files: added };
  },
};

function describeHttp(error) {
  const config = error && error.config;
  if (!config) return null;
  const lines = [];
  let target = config.url || '';
  if (config.baseURL && !/^https?:\/\//.test(target)) {
    target = `${config.baseURL.replace(/\/+$/, '')}/${target.replace(/^\/+/, '')}`;
  }
  lines.push(`request: ${String(config.method || '').toUpperCase()} ${target}`);
  if (error.response) {
    let body = error.response.data;
    if (Buffer.isBuffer(body)) body = body.toString('utf8');
    if (typeof body !== 'string') body = JSON.stringify(body);
    lines.push(`response: ${error.response.status} ${String(body).slice(0, 2000)}`);
  } else {
    lines.push(`no response: ${error.code || error.message}`);
  }
  return lines.join('\n  ');
}

function describeError(error) {
  const lines = [];
  const seen = new Set();
  let current = error;
  while (current && !seen.has(current)) {
    seen.add(current);
    const name = current.name && current.name !== 'Error' ? `${current.name}: ` : '';
    lines.push(`${lines.length ? 'caused by: ' : ''}${name}${current.message}`);
    const http = describeHttp(current);
    if (http) lines.push(`  ${http}`);
    current = current.raw && typeof current.raw === 'object' ? current.raw : null;
  }
  return lines.join('\n');
}

scenarios[scenario]()
  .then((result) => {
    clearTimeout(watchdog);
    const elapsed = Date.now() - started;
    process.stdout.write(
      `${JSON.stringify({ scenario, sdk_version: sdkVersion, elapsed_ms: elapsed, ...result })}\n`
    );
    process.exitCode = 0;
  })
  .catch((error) => {
    clearTimeout(watchdog);
    process.stderr.write(`drive.js ${scenario} failed (SDK ${sdkVersion}):\n${describeError(error)}\n`);
    // Exit now: after a failed part the SDK's queues may still be busy with other parts.
    process.exit(1);
  });
