// ESLint for the whole tree: typescript-eslint's type-checked rules, the React hooks rules for the
// dashboard, and the layers of app/ (README.md, "How it fits together") as import restrictions.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { readdirSync } from 'node:fs';
import { posix } from 'node:path';
import tseslint from 'typescript-eslint';

// The layers, lowest first. Each folder lists the folders of app/ it may import (besides its own);
// everything else in app/ is refused. Paths are relative to the repository root, without extension.
const APP_FOLDERS = [
  'app/base',
  'app/driver/driver',
  'app/driver/choose',
  'app/driver/qemu',
  'app/driver/virtualbox',
  'app/agent/api',
  'app/agent',
  'app/machine',
  'app/api',
  'app/cli',
  'app/shell',
  'app/ui',
];
const BASE = ['app/base'];
const ENTRY = [...BASE, 'app/driver/driver', 'app/driver/choose', 'app/agent/api', 'app/machine', 'app/api'];
const LAYERS = [
  { files: ['app/base/**'], own: 'app/base', may: [] },
  { files: ['app/driver/**'], own: 'app/driver', may: BASE },
  { files: ['app/agent/**'], own: 'app/agent', may: [...BASE, 'app/driver/driver'] },
  // The agent's process starts here, so it chooses the driver.
  { files: ['app/agent/main.ts'], own: 'app/agent', may: [...BASE, 'app/driver/driver', 'app/driver/choose'] },
  { files: ['app/machine/**'], own: 'app/machine', may: [...BASE, 'app/driver/driver', 'app/agent/api'] },
  // The API speaks of drivers only through their types.
  {
    files: ['app/api/**'],
    own: 'app/api',
    may: [...BASE, 'app/machine', 'app/agent/api'],
    types: ['app/driver/driver'],
  },
  { files: ['app/cli/**'], own: 'app/cli', may: [...ENTRY, 'app/ui'] },
  { files: ['app/shell/**'], own: 'app/shell', may: ENTRY },
  { files: ['app/ui/**'], own: 'app/ui', may: ENTRY },
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const inside = (path, folder) => path === folder || path.startsWith(folder + '/');

/**
 * A regex matching every relative specifier that reaches `target` (a file or folder) from `dir`,
 * except those reaching into the `allowed` folders under it (app/agent but not app/agent/api).
 */
function reaching(dir, target, allowed = []) {
  let rel = posix.relative(dir, target);
  if (!rel.startsWith('.')) rel = './' + rel;
  const under = allowed.filter((a) => a.startsWith(target + '/')).map((a) => escape(a.slice(target.length)));
  const except = under.length ? `(?!(${under.join('|')})(/|$))` : '';
  return `^${escape(rel)}${except}(/.*)?$`;
}

const ELECTRON = {
  regex: '^electron(/.*)?$',
  message: 'Only app/shell runs inside Electron.',
};

/** The no-restricted-imports options for the files directly inside `dir`, under `layer`. */
function layerRule(dir, layer) {
  const patterns = layer.own === 'app/shell' ? [] : [ELECTRON];
  for (const folder of APP_FOLDERS) {
    if (inside(folder, layer.own) || inside(layer.own, folder)) continue;
    if (layer.may.some((m) => inside(folder, m))) continue;
    const typesOnly = (layer.types ?? []).some((m) => inside(folder, m));
    patterns.push({
      regex: reaching(dir, folder, [layer.own, ...layer.may, ...(layer.types ?? [])]),
      allowTypeImports: typesOnly,
      message: `${layer.own} may not import ${folder}${typesOnly ? ' except as types' : ''} (see the layers in eslint.config.mjs).`,
    });
  }
  return ['error', { patterns }];
}

/** Every folder under `root`, found when the config loads (posix, relative to the repository). */
function folders(root) {
  const out = [root];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...folders(posix.join(root, e.name)));
  }
  return out;
}

// One config per folder, since relative specifiers depend on where the importing file is. A later
// config replaces an earlier one's options, so app/agent/main.ts (listed after app/agent/**) wins.
function layerConfigs() {
  return LAYERS.flatMap((layer) =>
    layer.files.flatMap((pattern) =>
      pattern.endsWith('/**')
        ? folders(pattern.slice(0, -3)).map((dir) => ({
            files: [`${dir}/*.ts`],
            rules: { 'no-restricted-imports': layerRule(dir, layer) },
          }))
        : [{ files: [pattern], rules: { 'no-restricted-imports': layerRule(posix.dirname(pattern), layer) } }],
    ),
  );
}

// The dashboard reaches app/ only through the contract's types, and the browser-safe client made
// from them (app/api/client.ts imports nothing but types from the contract).
function rendererConfigs() {
  return folders('renderer/src').map((dir) => ({
    files: [`${dir}/*.ts`, `${dir}/*.tsx`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ELECTRON,
            {
              regex: reaching(dir, 'app/api/contract'),
              allowTypeImports: true,
              message: 'The dashboard imports the contract as types only.',
            },
            {
              regex: `^${escape(posix.relative(dir, 'app'))}/(?!api/contract$|api/client$).*`,
              message: 'The dashboard reaches app/ only through app/api/contract (types) and app/api/client.',
            },
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'vm-images/out/**',
      // The image build's cache: Debian's packages and Go toolchain, whose docs carry .js files.
      'vm-images/cache/**',
      'renderer/dist/**',
      'renderer/dist-bench/**',
      'dist-app/**',
      'test/fixtures/**',
      'node_modules/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Unused names are TypeScript's job (noUnusedLocals, noUnusedParameters in tsconfig.json).
      '@typescript-eslint/no-unused-vars': 'off',
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after'] },
          ],
        },
      ],
      // Nothing outside app/shell runs inside Electron.
      'no-restricted-imports': ['error', { patterns: [ELECTRON] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/*'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // Props and context values are closures, never called through `this`.
      '@typescript-eslint/unbound-method': 'off',
      // Says the React Compiler would skip a component using @tanstack/react-virtual; there is none here.
      'react-hooks/incompatible-library': 'off',
      // React ignores what an event handler returns; an async onClick is the usual way to act.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  // Tests read replies and fixtures as untyped JSON and poke at them; the checks are the asserts.
  {
    files: ['test/**', 'renderer/src/test/**', 'renderer/src/**/*.test.ts', 'renderer/src/**/*.test.tsx'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes implement async interfaces without having anything to wait for.
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...layerConfigs(),
  ...rendererConfigs(),
);
