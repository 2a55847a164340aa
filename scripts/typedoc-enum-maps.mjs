// TypeDoc plugin: documents the entries of zod's enum maps. `z.enum(['a', 'b'])` is typed `ZodEnum<{ a: 'a'; b: 'b' }>`;
// TypeDoc expands that map inside the inferred types of our exported zod schemas and would report every entry as
// an undocumented property. An entry is recognised by its shape — a property of an anonymous type literal whose
// type is the string literal of its own name — and gets a one-line comment naming the option, so the
// `notDocumented` check still applies to everything we declare ourselves. Properties of such anonymous literals whose
// type TypeScript elided as `...` (zod's nested generics, several levels deep) are marked the same way.
import { Comment, Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      if (!reflection.kindOf(ReflectionKind.Property) || reflection.comment) continue;
      const type = reflection.type;
      const parent = reflection.parent;
      if (!parent || parent.name !== '__type' || !parent.kindOf(ReflectionKind.TypeLiteral)) continue;
      if (type?.type === 'literal' && type.value === reflection.name) {
        reflection.comment = new Comment([{ kind: 'text', text: `The option \`'${reflection.name}'\` of a zod enum.` }]);
      } else if (type?.type === 'unknown' && type.name === '...') {
        // TypeScript elided this deeply nested type (the same map, inside runConfigSchema's model section).
        reflection.comment = new Comment([{ kind: 'text', text: 'Nested zod schema internals (elided by TypeScript).' }]);
      }
    }
  });
}
