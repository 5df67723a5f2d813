/**
 * Finds ES2015+ syntax in a script, with TypeScript's parser: Photopea's
 * script engine lacks many ES2015+ features, so the adapter's scripts must
 * be plain ES5. String literals are not looked into (user text may say
 * `=>`), which a regex could not tell apart.
 */
import ts from 'typescript';

/** Names of the ES2015+ features `code` uses, or of its syntax errors; empty for valid ES5. */
export function es2015Features(code: string): string[] {
  const found = new Set<string>();
  try {
    // V8 must accept it as a function body (what Photopea-like evaluation does).
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function(code);
  } catch (e) {
    found.add(`syntax error: ${(e as Error).message}`);
  }
  const sf = ts.createSourceFile('script.js', code, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const K = ts.SyntaxKind;
  const named: Partial<Record<ts.SyntaxKind, string>> = {
    [K.ArrowFunction]: 'arrow function',
    [K.ClassDeclaration]: 'class',
    [K.ClassExpression]: 'class',
    [K.TemplateExpression]: 'template literal',
    [K.NoSubstitutionTemplateLiteral]: 'template literal',
    [K.TaggedTemplateExpression]: 'tagged template',
    [K.SpreadElement]: 'spread',
    [K.SpreadAssignment]: 'object spread',
    [K.ForOfStatement]: 'for...of',
    [K.ObjectBindingPattern]: 'destructuring',
    [K.ArrayBindingPattern]: 'destructuring',
    [K.ShorthandPropertyAssignment]: 'shorthand property',
    [K.ComputedPropertyName]: 'computed property name',
    [K.AwaitExpression]: 'await',
    [K.YieldExpression]: 'yield',
    [K.MetaProperty]: 'new.target / import.meta',
    [K.BigIntLiteral]: 'BigInt literal',
    [K.ImportDeclaration]: 'import',
    [K.ExportDeclaration]: 'export',
    [K.ExportAssignment]: 'export',
    [K.QuestionDotToken]: 'optional chaining',
    [K.QuestionQuestionToken]: '??',
    [K.AsteriskAsteriskToken]: '**',
    [K.QuestionQuestionEqualsToken]: '??=',
    [K.BarBarEqualsToken]: '||=',
    [K.AmpersandAmpersandEqualsToken]: '&&=',
  };
  const visit = (node: ts.Node): void => {
    const name = named[node.kind];
    if (name) found.add(name);
    if (ts.isVariableDeclarationList(node) && node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) found.add('let/const');
    if (ts.isMethodDeclaration(node) && ts.isObjectLiteralExpression(node.parent)) found.add('method shorthand');
    if (ts.isParameter(node) && (node.initializer || node.dotDotDotToken)) found.add('default/rest parameter');
    if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && (node.asteriskToken || node.modifiers?.length)) {
      found.add('generator/async function');
    }
    if (ts.isNumericLiteral(node) && /^0[bBoO]/.test(node.getText(sf))) found.add('binary/octal literal');
    if (ts.isRegularExpressionLiteral(node) && /\/[a-z]*[uysd][a-z]*$/.test(node.text)) found.add('ES2015+ regex flag');
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...found];
}
