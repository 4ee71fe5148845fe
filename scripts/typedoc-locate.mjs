// A typedoc plugin (typedoc.json "plugin"): typedoc's validation names an undocumented export only
// by its full name and its package ("lib.Namespace.closed (GetSignature), defined in
// netns-rtnl/lib/namespace.ts"). Whoever adds an export should not have to hunt for it, so each such
// warning gets the file and line of the declaration and says what to write; a type used by the API
// but not exported gets what to do about it.
import { relative } from 'node:path';
import { Converter, ReflectionKind } from 'typedoc';

const UNDOCUMENTED = /^(.+) \((\w+)\), defined in .+, does not have any documentation$/;
const NOT_EXPORTED = /^.+, defined in .+, is referenced by .+ but not included in the documentation$/;

/** @param {import('typedoc').Application} app */
export function load(app) {
  /** @type {import('typedoc').ProjectReflection | undefined} */
  let project;
  app.converter.on(Converter.EVENT_END, (context) => {
    project = context.project;
  });

  /** Where the reflections with this full name and kind are declared, as `file:line`. */
  const locate = (name, kind) => {
    const places = new Set();
    for (const reflection of Object.values(project?.reflections ?? {})) {
      if (ReflectionKind[reflection.kind] !== kind || reflection.getFriendlyFullName() !== name) continue;
      for (const source of reflection.sources ?? []) places.add(`${relative(process.cwd(), source.fullFileName)}:${source.line}`);
    }
    return [...places];
  };

  const warn = app.logger.validationWarning.bind(app.logger);
  app.logger.validationWarning = (message, ...rest) => {
    const undocumented = rest.length === 0 ? UNDOCUMENTED.exec(message) : null;
    if (undocumented) {
      const places = locate(undocumented[1], undocumented[2]);
      const where = places.length > 0 ? places.join(', ') : 'its declaration';
      return warn(`${message}: write a /** doc comment */ above it at ${where}`, ...rest);
    }
    if (rest.length === 0 && NOT_EXPORTED.test(message)) {
      return warn(`${message}: export it from that entry point's index.ts (with a doc comment), or name it in typedoc.json's intentionallyNotExported`, ...rest);
    }
    return warn(message, ...rest);
  };
}
