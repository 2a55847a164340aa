// TypeDoc plugin: a property declared in a zod schema is documented by that schema's `.describe('…')` text, so the
// config docs have one source — the schema — and the API reference, the JSON Schema and the config table all read
// it. TypeDoc expands the types inferred from our schemas (`DarlConfig`, `RunConfig`, …) wherever they appear; each
// expanded property's declaration is the schema's property assignment, e.g.
//   width: positiveInt.optional().describe('Token width C of the backbone'),
// and the plugin walks that initializer's call chain (following a `const` it names, as in `backbone: backboneSchema
// .prefault({})`) to the outermost `.describe()` with a string literal. A property of a value checked against a type
// (`RUN_PRESETS … satisfies Record<string, RunConfigInput>`, `PATCH_DECODER_DEFAULTS … satisfies Partial<PatchDecoderConfig>`)
// gets the doc of the property it sets, found through the value's contextual type. A property without either stays
// undocumented and fails the build like any other, so the fix for a new warning is a `.describe()` in the schema.
import ts from 'typescript';
import { Comment, Converter, ReflectionKind } from 'typedoc';

/** The `.describe('…')` text of a zod expression, following identifiers to their `const` initialisers. */
export function describedText(node, checker, depth = 0) {
  let e = node;
  while (e && depth < 8) {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) {
      e = e.expression;
    } else if (ts.isCallExpression(e)) {
      const callee = e.expression;
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'describe') {
        const arg = e.arguments[0];
        if (arg && ts.isStringLiteralLike(arg)) return arg.text;
      }
      e = ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
    } else if (ts.isIdentifier(e)) {
      const symbol = checker.getSymbolAtLocation(e);
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const decl = target?.declarations?.find(ts.isVariableDeclaration);
      if (!decl?.initializer) return undefined;
      e = decl.initializer;
      depth += 1;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The type a property's value is checked against (`as const satisfies RunConfigInput`), narrowed by discriminants. */
function contextualProperty(decl, checker) {
  const literal = decl.parent;
  if (!ts.isObjectLiteralExpression(literal)) return undefined;
  const type = checker.getContextualType(literal);
  if (!type) return undefined;
  const name = decl.name.getText();
  const members = type.isUnion() ? type.types : [type];
  for (const member of members) {
    const property = checker.getPropertyOfType(member, name);
    if (property) return property;
  }
  return undefined;
}

/**
 * The doc text of a property assignment: its schema's `.describe()`, or, for a value checked against a type (a preset
 * `satisfies RunConfigInput`, defaults `satisfies Partial<SomeConfig>`), the doc of the property it sets.
 */
export function propertyText(decl, checker, depth = 0) {
  const own = describedText(decl.initializer, checker);
  if (own || depth > 4) return own;
  const target = contextualProperty(decl, checker);
  for (const d of target?.declarations ?? []) {
    if (d === decl) continue;
    if (ts.isPropertyAssignment(d)) {
      const text = propertyText(d, checker, depth + 1);
      if (text) return text;
    }
  }
  const doc = target ? ts.displayPartsToString(target.getDocumentationComment(checker)) : '';
  return doc || undefined;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.comment || !reflection.kindOf(ReflectionKind.Property)) return;
    const symbol = context.getSymbolFromReflection(reflection);
    for (const decl of symbol?.declarations ?? []) {
      if (!ts.isPropertyAssignment(decl)) continue;
      const text = propertyText(decl, context.checker);
      if (text) {
        reflection.comment = new Comment([{ kind: 'text', text }]);
        return;
      }
    }
  });
}
