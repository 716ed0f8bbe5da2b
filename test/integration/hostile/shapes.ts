import { MARKER } from './rig.js';

// Request-smuggling shapes: each is the rest of a request head (after the request line, Host and
// credential) plus its body. A flaw in the head is refused before
// any upstream sees a byte; a flaw in a chunked body is found only when the parser reaches it, so a
// streamed request to an unnamed host may have started upstream: it must then be aborted, never
// completed (the upstream never receives a whole request the client did not send).
export const SMUGGLING_SHAPES = (body: string): [string, 'head' | 'body', string][] => [
  [
    'Content-Length with Transfer-Encoding',
    'head',
    `content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
  ],
  [
    'Transfer-Encoding with Content-Length',
    'head',
    `transfer-encoding: chunked\r\ncontent-length: 4\r\n\r\n0\r\n\r\n`,
  ],
  [
    'duplicate differing Content-Length',
    'head',
    `content-length: ${body.length}\r\ncontent-length: 2\r\n\r\n${body}`,
  ],
  [
    'duplicate equal Content-Length',
    'head',
    `content-length: ${body.length}\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  ],
  ['a Content-Length list', 'head', `content-length: ${body.length}, ${body.length}\r\n\r\n${body}`],
  ['a negative Content-Length', 'head', `content-length: -1\r\n\r\n${body}`],
  ['a hex Content-Length', 'head', `content-length: 0x10\r\n\r\n${body}`],
  [
    'an obs-fold continuation line',
    'head',
    `x-a: b\r\n ${MARKER}\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  ],
  ['obs-fold hiding Transfer-Encoding', 'head', `transfer-encoding:\r\n chunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding: chunked, identity', 'head', `transfer-encoding: chunked, identity\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding: identity', 'head', `transfer-encoding: identity\r\n\r\n${body}`],
  [
    'Transfer-Encoding twice',
    'head',
    `transfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
  ],
  ['a space before the colon', 'head', `transfer-encoding : chunked\r\n\r\n0\r\n\r\n`],
  ['a vertical tab in Transfer-Encoding', 'head', `transfer-encoding: \x0bchunked\r\n\r\n0\r\n\r\n`],
  ['bare LF line endings', 'head', `content-length: ${body.length}\n\n${body}`],
  ['a bare CR', 'head', `content-length: ${body.length}\r\r\n\r\n${body}`],
  ['a NUL in a header value', 'head', `x-a: a\0${MARKER}\r\ncontent-length: ${body.length}\r\n\r\n${body}`],
  ['a space in a header name', 'head', `x a: b\r\ncontent-length: ${body.length}\r\n\r\n${body}`],
  ['a header line without a colon', 'head', `${MARKER}\r\ncontent-length: ${body.length}\r\n\r\n${body}`],
  ['invalid UTF-8 in a header name', 'head', `x-\xff: b\r\ncontent-length: ${body.length}\r\n\r\n${body}`],
  ['an invalid chunk size', 'body', `transfer-encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`],
  ['a negative chunk size', 'body', `transfer-encoding: chunked\r\n\r\n-1\r\n${body}\r\n0\r\n\r\n`],
  [
    'an overflowing chunk size',
    'body',
    `transfer-encoding: chunked\r\n\r\nffffffffffffffffffff\r\n${body}\r\n0\r\n\r\n`,
  ],
  ['a chunk without its CRLF', 'body', `transfer-encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n`],
  ['chunk lines ending in bare LF', 'body', `transfer-encoding: chunked\r\n\r\n3\nabc\n0\n\n`],
];
