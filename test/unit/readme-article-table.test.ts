/**
 * The README's tables of the article's commands (## The article, step by step) show calls of this
 * library; each row's calls are type-checked here against lib/, so a change of an API's shape fails
 * until its row says the new shape.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('## The article, step by step');
const section = readme.slice(start, readme.indexOf('### What the examples build', start));
/** Each table row's right column, and the code spans in it that call something. */
const rows = [...section.matchAll(/^\| (.+?) \| (.+) \|$/gm)]
  .filter((m) => !m[1]!.startsWith('---') && !m[1]!.startsWith('The article does') && !m[1]!.startsWith('A container runtime does'))
  .map((m) => ({ command: m[1]!, calls: [...m[2]!.matchAll(/`([^`]+)`/g)].map((c) => c[1]!).filter((c) => c.includes('(') && !c.startsWith('npm ')) }));

const lib = fileURLToPath(new URL('../../lib/index.js', import.meta.url));
// The names the table uses: namespaces and the two veth ends of the article.
const prelude = `import { Bridge, Link, Namespace, VethPair } from ${JSON.stringify(lib)};
declare const ns: Namespace, host: Namespace, node: Namespace, node1: Namespace, veth0: Link, veth1: Link;
void [Bridge, VethPair, ns, host, node, node1, veth0, veth1];
`;

function typeErrors(source: string): string[] {
  const file = fileURLToPath(new URL('./readme-article-table.check.ts', import.meta.url));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, skipLibCheck: true, lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'], types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : read(name, language, ...rest));
  host.fileExists = ((exists) => (name: string) => name === file || exists(name))(host.fileExists.bind(host));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe("README: the article's commands, with this library", () => {
  it('the tables have their rows, each with calls to check', () => {
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const row of rows.filter((r) => !r.command.includes('IPv6 beside IPv4'))) expect(row.calls, row.command).not.toEqual([]);
  });

  it("every row's calls type-check against lib/ as written", () => {
    const body = rows.map((row, i) => `async function row${i}() { // ${row.command.replace(/\n/g, ' ')}\n${row.calls.map((c) => `  ${c};`).join('\n')}\n}\nvoid row${i};\n`).join('');
    expect(typeErrors(prelude + body)).toEqual([]);
  }, 180_000);

  it('the check fails on a call of a shape lib/ does not have (it is not vacuous)', () => {
    expect(typeErrors(`${prelude}async function old() { await Bridge.create(node, 'br0'); }\nvoid old;\n`)).not.toEqual([]);
  }, 180_000);
});
