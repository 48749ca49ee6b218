// ESLint flat config: typescript-eslint's recommended rules and the one-way layer rule (import-x
// no-restricted-paths). `npm run lint` runs it; .ci/run runs that after the typecheck.
import { registerHooks } from 'node:module';

// typescript-eslint parses with TypeScript's JavaScript API, which TypeScript 7 (the native compiler
// that `npm run typecheck` uses) no longer ships: typescript-eslint refuses TS ≥ 7 (its issue #10940).
// Inside this process only, `typescript` resolves to the 6.0 API package TypeScript publishes for such
// tools. package.json's `overrides` lets typescript-eslint's peer range accept the installed 7.
registerHooks({
  resolve: (specifier, context, next) => next(specifier === 'typescript' ? '@typescript/typescript6' : specifier, context),
});
const { default: js } = await import('@eslint/js');
const { default: tseslint } = await import('typescript-eslint');
const { importX } = await import('eslint-plugin-import-x');

const src = (path) => `./src/${path}`;

/**
 * Arrows point one way: routes → services → entities/db; declarations (resources/) and schemas
 * (schema/) never reach up into HTTP, routes or services; HTTP plumbing (http/, cache/) and the stores
 * below it (auth/, limits/, storage/) never call routes or services; nothing in the product reaches
 * into bench/ or test/; errors.ts and values.ts are leaves.
 */
const layers = [
  { target: src('errors.ts'), from: './src', except: ['./errors.ts'], message: 'errors.ts imports nothing from the project.' },
  { target: src('values.ts'), from: './src', except: ['./values.ts'], message: 'values.ts imports nothing from the project.' },
  { target: './src', from: ['./bench', './test'], message: 'The product does not depend on the bench or the tests.' },
  {
    target: [src('resources'), src('schema')],
    from: [src('http'), src('routes'), src('services'), src('openapi'), src('app.ts'), src('deps.ts')],
    message: 'Declarations and schemas are data: they do not know about HTTP, routes or services.',
  },
  {
    target: src('services'),
    from: [src('http'), src('routes'), src('openapi'), src('app.ts')],
    message: 'Services take typed inputs (schema/) and know nothing of HTTP or routes.',
  },
  {
    target: [src('entities'), src('db')],
    from: [src('http'), src('routes'), src('services'), src('resources'), src('schema'), src('openapi'), src('app.ts')],
    message: 'Entities and the database layer sit at the bottom.',
  },
  { target: src('http'), from: [src('routes'), src('services'), src('app.ts')], message: 'HTTP plumbing does not call routes or services.' },
  {
    target: src('cache'),
    from: [src('routes'), src('services'), src('openapi'), src('app.ts')],
    message: 'The response cache is HTTP plumbing: it does not call routes or services.',
  },
  {
    target: src('auth'),
    from: [src('http'), src('routes'), src('openapi'), src('app.ts')],
    message: 'Clients, tokens and passwords know nothing of HTTP or routes (http/auth.ts calls them).',
  },
  {
    target: [src('limits'), src('storage')],
    from: [src('http'), src('routes'), src('services'), src('resources'), src('schema'), src('openapi'), src('app.ts')],
    message: 'Rate-limit and blob stores sit below the HTTP layer and the services that use them.',
  },
  { target: src('import'), from: [src('http'), src('routes'), src('openapi'), src('app.ts')], message: 'The importer writes through services, not HTTP routes.' },
  { target: src('routes'), from: [src('app.ts')], message: 'Routes get their dependencies from deps.ts, not app.ts.' },
  { target: src('deps.ts'), from: [src('routes'), src('app.ts')], message: 'deps.ts describes what routes are given; it imports no route.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'uploads/**', 'src/migrations/.snapshot.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layers }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests and the bench read JSON bodies whose shape each assertion states; `any` there is the point.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
