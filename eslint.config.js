// Lint encodes the architecture (STYLE.md): layers import only downward, and each I/O library has
// exactly one owning module. A violation names the owner so the fix is obvious.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LIBRARY_OWNERS = [
  { name: 'undici', owner: 'src/proxy' },
  { name: 'node:tls', owner: 'src/proxy' },
  { name: 'node:net', owner: 'src/proxy' },
  { name: 'node-forge', owner: 'src/ca' },
  { name: 'better-sqlite3', owner: 'src/decision-log' },
  { name: 'pino', owner: 'src/telemetry' },
  { name: '@opentelemetry/sdk-node', owner: 'src/telemetry' },
  { name: '@opentelemetry/api', owner: 'src/telemetry' },
];

const LAYERS = {
  domain: 0,
  policy: 1,
  classify: 1,
  block: 1,
  ca: 2,
  'decision-log': 2,
  telemetry: 2,
  pac: 2,
  config: 2,
  proxy: 3,
  admin: 3,
  cli: 4,
  main: 4,
};

function restrictionsFor(folder) {
  const layer = LAYERS[folder];
  const paths = LIBRARY_OWNERS.filter((l) => l.owner !== `src/${folder}`).map((l) => ({
    name: l.name,
    message: `${l.name} is owned by ${l.owner}: call that module instead.`,
    allowTypeImports: true,
  }));
  const patterns = Object.entries(LAYERS)
    .filter(([other]) => other !== folder && !(folder === 'cli' && other === 'main'))
    .filter(([, otherLayer]) => otherLayer > layer || (otherLayer === layer && layer !== 1))
    .map(([other]) => ({
      group: other === 'main' ? ['../main.js', './main.js'] : [`../${other}/*`, `./${other}/*`],
      message: `src/${folder} (layer ${layer}) may not import src/${other} (layer ${LAYERS[other]}): layers import only downward (STYLE.md).`,
      allowTypeImports: folder === 'main' || folder === 'cli',
    }));
  if (folder === 'domain') {
    patterns.push({ regex: '^(?!\\./)', message: 'src/domain imports nothing outside itself.' });
  }
  if (folder === 'proxy') {
    patterns.push({
      group: ['../decision-log/*', '../telemetry/*'],
      message: 'the proxy publishes events; it never imports the log or telemetry.',
    });
  }
  return { paths, patterns };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        queueMicrotask: 'readonly',
        performance: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        structuredClone: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Sanitisers match control characters on purpose (header values, one-line messages).
      'no-control-regex': 'off',
    },
  },
  ...Object.keys(LAYERS).map((folder) => ({
    files: folder === 'main' ? ['src/main.ts'] : [`src/${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', restrictionsFor(folder)] },
  })),
  {
    // Only policy/load.ts (and its credential writer) touch the filesystem in the pure layer.
    files: ['src/policy/**/*.ts', 'src/classify/**/*.ts', 'src/block/**/*.ts'],
    ignores: ['src/policy/load.ts', 'src/policy/credentials-file.ts', 'src/policy/watch.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:fs', 'fs', 'node:fs/promises'].map((name) => ({
            name,
            message: 'the policy core is pure: only src/policy/load.ts touches the filesystem.',
          })),
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.{ts,mjs,js}', '*.config.{js,ts}'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
