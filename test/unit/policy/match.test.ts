import { describe, expect, it } from 'vitest';
import { buildHostTable, hostPatternKind } from '../../../src/policy/hosts.js';
import { compilePath, isLiteralPath, matchPath } from '../../../src/policy/paths.js';
import type { PathMatcher } from '../../../src/policy/types.js';

describe('host patterns', () => {
  it.each([
    ['api.openai.com', 'exact'],
    ['*.oaiusercontent.com', 'subdomains'],
    ['*-aiplatform.googleapis.com', 'labels'],
    ['bedrock-runtime.*.amazonaws.com', 'labels'],
    ['Api.openai.com', "host 'Api.openai.com' must be lower case"],
    ['api.openai.com.', "host 'api.openai.com.' must not end with a dot"],
    [
      'api_x.com',
      "host 'api_x.com' may only hold a-z, 0-9, '-', '.' and '*' (write IDN names in punycode, xn--...)",
    ],
    ['a..b.com', "host 'a..b.com' has an empty label"],
    ['*.*.example.com', "host '*.*.example.com' may hold one '*', as '*.suffix' or inside one label"],
    [
      '*.com',
      "host '*.com' is too broad: the '*' must be followed by a registered domain, e.g. '*.example.com'",
    ],
  ])('%s -> %s', (pattern, kind) => {
    expect(hostPatternKind(pattern)).toBe(kind);
  });

  const table = buildHostTable<string>([
    ['chatgpt.com', 'apex'],
    ['*.chatgpt.com', 'sub'],
    ['desktop.chatgpt.com', 'exact'],
    ['*-aiplatform.googleapis.com', 'vertex'],
    ['bedrock-runtime.*.amazonaws.com', 'bedrock'],
    ['*.amazonaws.com', 'aws'],
  ]);

  it.each([
    ['chatgpt.com', 'apex'],
    ['ab.chatgpt.com', 'sub'],
    ['a.b.chatgpt.com', 'sub'],
    ['desktop.chatgpt.com', 'exact'],
    ['us-central1-aiplatform.googleapis.com', 'vertex'],
    ['-aiplatform.googleapis.com', null],
    ['x.us-aiplatform.googleapis.com', null],
    ['storage.googleapis.com', null],
    ['bedrock-runtime.us-east-1.amazonaws.com', 'bedrock'],
    ['bedrock-runtimex.us-east-1.amazonaws.com', 'aws'],
    ['s3.amazonaws.com', 'aws'],
    ['notchatgpt.com', null],
    ['com', null],
  ])('looks up %s -> %s', (host, value) => {
    expect(table.lookup(host)).toBe(value);
  });

  it('refuses to build from an invalid pattern', () => {
    expect(() => buildHostTable([['*.com', 1]])).toThrow(/too broad/);
  });
});

describe('path patterns', () => {
  const m = (p: string): PathMatcher => {
    const r = compilePath(p);
    if (typeof r === 'string') throw new Error(r);
    return r;
  };

  it.each([
    ['/v1/files/**', '/v1/files', true],
    ['/v1/files/**', '/v1/files/', true],
    ['/v1/files/**', '/v1/files/abc/content', true],
    ['/v1/files/**', '/v1/filesx', false],
    ['/v1/files/**', '/v1', false],
    ['/v1/chat/completions', '/v1/chat/completions', true],
    ['/v1/chat/completions', '/v1/chat/completions/', false],
    ['/v1/chat/completions', '/V1/chat/completions', false],
    ['/v1/chat/completions', 'v1/chat/completions', false],
    ['/v1/items/{id}', '/v1/items/42', true],
    ['/v1/items/{id}', '/v1/items/', false],
    ['/v1/items/{id}', '/v1/items/42/x', false],
    ['/v1beta/models/{model}:generateContent', '/v1beta/models/gemini-2.5:generateContent', true],
    ['/v1beta/models/{model}:generateContent', '/v1beta/models/:generateContent', false],
    ['/v1beta/models/{model}:generateContent', '/v1beta/models/gemini:streamGenerateContent', false],
    ['/**', '/anything/at/all', true],
    ['/', '/', true],
    ['/', '/x', false],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(matchPath(m(pattern), path)).toBe(expected);
  });

  it.each([
    ['v1/x', "path 'v1/x' must start with '/'"],
    ['/v1/x?y=1', "path '/v1/x?y=1' must not contain a query string: paths are matched without it"],
    ['/v1/**/x', "path '/v1/**/x': '**' is only allowed as the last segment"],
    ['/v1//x', "path '/v1//x' has an empty segment; remove the doubled or trailing '/'"],
    ['/v1/{a}{b}', "path '/v1/{a}{b}': segment '{a}{b}' may hold one {placeholder}, written as {name}"],
    ['/v1/a}', "path '/v1/a}': unbalanced '}' in segment 'a}'"],
  ])('rejects %s', (pattern, message) => {
    expect(compilePath(pattern)).toBe(message);
  });

  it('knows literal paths (looked up in a Map) from patterns', () => {
    expect(isLiteralPath(m('/v1/chat'))).toBe(true);
    expect(isLiteralPath(m('/v1/{x}'))).toBe(false);
    expect(isLiteralPath(m('/v1/**'))).toBe(false);
  });
});
