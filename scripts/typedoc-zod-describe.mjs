// TypeDoc plugin: a property declared in a zod schema is documented by that schema's `.describe('…')` text, so the
// config docs have one source — the schema — and the API reference, the JSON Schema and the config table all read
// it. TypeDoc expands the types inferred from our schemas (`DarlConfig`, `RunConfig`, …) wherever they appear; each
// expanded property's declaration is the schema's property assignment, e.g.
//   width: positiveInt.optional().describe('Token width C of the backbone'),
// and the plugin walks that initializer's call chain (following a `const` it names, as in `backbone: backboneSchema
// .prefault({})`) to the outermost `.describe()` with a string literal. A property without one stays undocumented and
// fails the build like any other, so the fix for a new warning is a `.describe()` in the schema.
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

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.comment || !reflection.kindOf(ReflectionKind.Property)) return;
    const symbol = context.getSymbolFromReflection(reflection);
    for (const decl of symbol?.declarations ?? []) {
      if (!ts.isPropertyAssignment(decl)) continue;
      const text = describedText(decl.initializer, context.checker);
      if (text) {
        reflection.comment = new Comment([{ kind: 'text', text }]);
        return;
      }
    }
  });
}
