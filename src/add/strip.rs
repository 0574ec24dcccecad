//! TypeScript → JavaScript for the pattern modules `add` writes into a
//! JavaScript project: the type syntax is cut out of the text (annotations,
//! type parameters and arguments, `as`/`satisfies`/`!`, interfaces and type
//! aliases, type-only imports and exports, member modifiers), parameter
//! properties become assignments, and everything else — code, comments,
//! layout — stays as written. The result must parse as JavaScript, or the
//! module is refused.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::*;
use oxc_ast_visit::{Visit, walk};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType, Span};

/// A module's JavaScript text, and whether it holds any statement (a module
/// of types only has none).
pub fn strip_types(path: &Path, text: &str) -> Result<(String, bool), String> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, SourceType::ts()).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return Err(format!("{}: the TypeScript does not parse", path.display()));
    }
    let mut stripper = Stripper {
        text,
        edits: Vec::new(),
        error: None,
    };
    stripper.visit_program(&parsed.program);
    if let Some(error) = stripper.error {
        return Err(format!("{}: {error}", path.display()));
    }
    let mut edits = stripper.edits;
    edits.sort_by_key(|edit| (edit.0, std::cmp::Reverse(edit.1)));
    // Drop edits inside a deletion already made (a type inside a type).
    let mut kept: Vec<(usize, usize, String)> = Vec::new();
    for edit in edits {
        if let Some(last) = kept.last()
            && edit.0 < last.1
            && edit.1 <= last.1
            && last.0 < last.1
        {
            continue;
        }
        kept.push(edit);
    }
    let mut out = text.to_string();
    for (start, end, replacement) in kept.into_iter().rev() {
        out.replace_range(start..end, &replacement);
    }
    let out = tidy(&out);
    let allocator = Allocator::default();
    let reparsed = Parser::new(&allocator, &out, SourceType::mjs()).parse();
    if reparsed.panicked || !reparsed.diagnostics.is_empty() {
        let message = reparsed
            .diagnostics
            .errors()
            .next()
            .map(|error| error.message.to_string())
            .unwrap_or_default();
        return Err(format!(
            "{}: the JavaScript made from it does not parse ({message})",
            path.display()
        ));
    }
    let has_code = !reparsed.program.body.is_empty();
    Ok((out, has_code))
}

/// Lines a deletion left empty at the end of a statement group go; runs of
/// blank lines become one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
    }
    let trimmed = out.trim_start_matches('\n');
    trimmed.to_string()
}

struct Stripper<'t> {
    text: &'t str,
    edits: Vec<(usize, usize, String)>,
    error: Option<String>,
}

const MODIFIERS: &[&str] = &[
    "private",
    "public",
    "protected",
    "readonly",
    "override",
    "declare",
    "abstract",
];

impl Stripper<'_> {
    fn delete(&mut self, start: u32, end: u32) {
        if start < end {
            self.edits
                .push((start as usize, end as usize, String::new()));
        }
    }

    /// Delete a whole statement with the line break after it.
    fn delete_statement(&mut self, span: Span) {
        let mut end = span.end as usize;
        let rest = &self.text[end..];
        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[spaces..].starts_with('\n') {
            end += spaces + 1;
        }
        self.edits.push((span.start as usize, end, String::new()));
    }

    /// Remove TypeScript-only modifier words between `start` and `end`.
    fn strip_modifiers(&mut self, start: u32, end: u32) {
        let prefix = &self.text[start as usize..end as usize];
        let mut cleaned = String::new();
        let mut changed = false;
        for word in prefix.split_inclusive([' ', '\t', '\n']) {
            if MODIFIERS.contains(&word.trim()) {
                changed = true;
            } else {
                cleaned.push_str(word);
            }
        }
        if changed {
            self.edits.push((start as usize, end as usize, cleaned));
        }
    }

    /// A `?` or `!` right after `at` (optional / definite marks).
    fn delete_mark_after(&mut self, at: u32) {
        let rest = &self.text[at as usize..];
        if rest.starts_with('?') || rest.starts_with('!') {
            self.delete(at, at + 1);
        }
    }

    fn is_type_declaration(declaration: &Declaration<'_>) -> bool {
        matches!(
            declaration,
            Declaration::TSInterfaceDeclaration(_)
                | Declaration::TSTypeAliasDeclaration(_)
                | Declaration::TSExternalModuleDeclaration(_)
                | Declaration::TSNamespaceDeclaration(_)
                | Declaration::TSGlobalDeclaration(_)
        ) || matches!(declaration, Declaration::VariableDeclaration(variables) if variables.declare)
            || matches!(declaration, Declaration::ClassDeclaration(class) if class.declare)
            || matches!(declaration, Declaration::FunctionDeclaration(function) if function.declare)
    }
}

impl<'a> Visit<'a> for Stripper<'_> {
    fn visit_statement(&mut self, statement: &Statement<'a>) {
        match statement {
            Statement::ImportDeclaration(import) => {
                if import.import_kind.is_type() {
                    self.delete_statement(import.span);
                    return;
                }
                if let Some(specifiers) = &import.specifiers {
                    let types: Vec<Span> = specifiers
                        .iter()
                        .filter_map(|specifier| match specifier {
                            ImportDeclarationSpecifier::ImportSpecifier(named)
                                if named.import_kind.is_type() =>
                            {
                                Some(named.span)
                            }
                            _ => None,
                        })
                        .collect();
                    if !types.is_empty() && types.len() == specifiers.len() {
                        self.delete_statement(import.span);
                        return;
                    }
                    for span in types {
                        self.delete_list_item(span);
                    }
                }
            }
            Statement::ExportNamedDeclaration(export) if export.export_kind.is_type() => {
                self.delete_statement(export.span);
            }
            Statement::ExportFromDeclaration(export) if export.export_kind.is_type() => {
                self.delete_statement(export.span);
            }
            Statement::ExportAllDeclaration(export) if export.export_kind.is_type() => {
                self.delete_statement(export.span);
            }
            Statement::ExportDeclaration(export)
                if Self::is_type_declaration(&export.declaration) =>
            {
                self.delete_statement(export.span);
            }
            Statement::TSInterfaceDeclaration(declaration) => {
                self.delete_statement(declaration.span)
            }
            Statement::TSTypeAliasDeclaration(declaration) => {
                self.delete_statement(declaration.span)
            }
            Statement::TSEnumDeclaration(_) => {
                self.error = Some("an enum has no JavaScript form here".into());
            }
            _ => walk::walk_statement(self, statement),
        }
    }

    fn visit_ts_type_annotation(&mut self, annotation: &TSTypeAnnotation<'a>) {
        self.delete(annotation.span.start, annotation.span.end);
    }

    fn visit_ts_type_parameter_declaration(
        &mut self,
        declaration: &TSTypeParameterDeclaration<'a>,
    ) {
        self.delete(declaration.span.start, declaration.span.end);
    }

    fn visit_ts_type_parameter_instantiation(
        &mut self,
        instantiation: &TSTypeParameterInstantiation<'a>,
    ) {
        self.delete(instantiation.span.start, instantiation.span.end);
    }

    fn visit_ts_as_expression(&mut self, expression: &TSAsExpression<'a>) {
        self.delete(expression.expression.span().end, expression.span.end);
        self.visit_expression(&expression.expression);
    }

    fn visit_ts_satisfies_expression(&mut self, expression: &TSSatisfiesExpression<'a>) {
        self.delete(expression.expression.span().end, expression.span.end);
        self.visit_expression(&expression.expression);
    }

    fn visit_ts_non_null_expression(&mut self, expression: &TSNonNullExpression<'a>) {
        self.delete(expression.expression.span().end, expression.span.end);
        self.visit_expression(&expression.expression);
    }

    fn visit_ts_type_assertion(&mut self, expression: &TSTypeAssertion<'a>) {
        self.delete(expression.span.start, expression.expression.span().start);
        self.visit_expression(&expression.expression);
    }

    fn visit_class(&mut self, class: &Class<'a>) {
        if !class.implements.is_empty() {
            let from = class
                .heritage
                .as_ref()
                .map(|heritage| {
                    heritage
                        .type_arguments
                        .as_ref()
                        .map_or(heritage.expression.span().end, |arguments| {
                            arguments.span.end
                        })
                })
                .or_else(|| class.id.as_ref().map(|id| id.span.end))
                .unwrap_or(class.span.start);
            self.delete(from, class.body.span.start.saturating_sub(1).max(from));
        }
        walk::walk_class(self, class);
    }

    fn visit_class_element(&mut self, element: &ClassElement<'a>) {
        match element {
            ClassElement::PropertyDefinition(property) => {
                if property.declare
                    || property.r#type == PropertyDefinitionType::TSAbstractPropertyDefinition
                {
                    self.delete_statement(property.span);
                    return;
                }
                self.strip_modifiers(property.span.start, property.key.span().start);
                if property.optional || property.definite {
                    self.delete_mark_after(property.key.span().end);
                }
            }
            ClassElement::MethodDefinition(method) => {
                if method.value.body.is_none() {
                    // An overload signature or an abstract method.
                    self.delete_statement(method.span);
                    return;
                }
                self.strip_modifiers(method.span.start, method.key.span().start);
                if method.optional {
                    self.delete_mark_after(method.key.span().end);
                }
                if method.kind == MethodDefinitionKind::Constructor {
                    self.parameter_properties(&method.value);
                }
            }
            ClassElement::TSIndexSignature(signature) => {
                self.delete_statement(signature.span);
                return;
            }
            _ => {}
        }
        walk::walk_class_element(self, element);
    }

    fn visit_formal_parameter(&mut self, parameter: &FormalParameter<'a>) {
        if parameter.optional {
            self.delete_mark_after(parameter.pattern.span().end);
        }
        walk::walk_formal_parameter(self, parameter);
    }

    fn visit_formal_parameters(&mut self, parameters: &FormalParameters<'a>) {
        // `this: T` as the first parameter goes.
        walk::walk_formal_parameters(self, parameters);
    }
}

impl Stripper<'_> {
    /// Delete one item of a comma-separated list, with its comma.
    fn delete_list_item(&mut self, span: Span) {
        let text = self.text;
        let after = &text[span.end as usize..];
        let spaces = after.len() - after.trim_start().len();
        if after[spaces..].starts_with(',') {
            let rest = &after[spaces + 1..];
            let more = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            self.delete(span.start, span.end + (spaces + 1 + more) as u32);
        } else {
            // The last item: take the comma before it.
            let before = &text[..span.start as usize];
            let trimmed = before.trim_end();
            if trimmed.ends_with(',') {
                self.delete((trimmed.len() - 1) as u32, span.end);
            } else {
                self.delete(span.start, span.end);
            }
        }
    }

    /// `constructor(readonly status: number)` → `constructor(status)` and
    /// `this.status = status;` after the `super(...)` call.
    fn parameter_properties(&mut self, function: &Function<'_>) {
        let mut names = Vec::new();
        for parameter in &function.params.items {
            if parameter.accessibility.is_some() || parameter.readonly || parameter.r#override {
                self.strip_modifiers(parameter.span.start, parameter.pattern.span().start);
                if let Some(name) = parameter.pattern.get_identifier_name() {
                    names.push(name.to_string());
                }
            }
        }
        if names.is_empty() {
            return;
        }
        let Some(body) = &function.body else { return };
        let super_call = body.statements.iter().find(|statement| {
            matches!(statement, Statement::ExpressionStatement(expression)
                if matches!(&expression.expression, Expression::CallExpression(call) if matches!(call.callee, Expression::Super(_))))
        });
        let (at, indent) = match super_call {
            Some(statement) => {
                let start = statement.span().start as usize;
                let line_start = self.text[..start].rfind('\n').map_or(0, |index| index + 1);
                (
                    statement.span().end,
                    self.text[line_start..start].to_string(),
                )
            }
            None => (body.span.start + 1, "    ".to_string()),
        };
        let assignments: String = names
            .iter()
            .map(|name| format!("\n{indent}this.{name} = {name};"))
            .collect();
        self.edits.push((at as usize, at as usize, assignments));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(text: &str) -> String {
        strip_types(Path::new("x.ts"), text).unwrap().0
    }

    #[test]
    fn annotations_generics_and_casts_go() {
        assert_eq!(
            js("function f<T>(a: number, b?: string): T { return (a as unknown) as T; }\n"),
            "function f(a, b) { return (a); }\n"
        );
        assert_eq!(js("const x = y!.z satisfies Q;\n"), "const x = y.z;\n");
        assert_eq!(
            js("const rows = sql.exec<{ at: number }>(\"q\").toArray();\n"),
            "const rows = sql.exec(\"q\").toArray();\n"
        );
    }

    #[test]
    fn type_declarations_and_type_imports_go() {
        assert_eq!(
            js(
                "import type { A } from \"./a\";\nimport { b, type C, d } from \"./b\";\nexport type E = number;\ninterface F { x: number }\nexport const g = 1;\n"
            ),
            "import { b, d } from \"./b\";\nexport const g = 1;\n"
        );
    }

    #[test]
    fn classes_lose_modifiers_and_keep_parameter_properties() {
        assert_eq!(
            js(
                "export class A extends B<Env> implements C {\n  private readonly x: number = 1;\n  constructor(readonly status: number, message: string) {\n    super(message);\n  }\n  override async run(): Promise<void> {}\n}\n"
            ),
            "export class A extends B {\n  x = 1;\n  constructor(status, message) {\n    super(message);\n    this.status = status;\n  }\n  async run() {}\n}\n"
        );
    }

    #[test]
    fn every_pattern_module_and_helper_becomes_javascript() {
        use crate::add::pattern;
        for chosen in pattern::all() {
            let context = pattern::context(&chosen, "demo", "2026-01-01", "migrations");
            let mut files =
                pattern::render_root(&format!("patterns/{}", chosen.id), &context).unwrap();
            files.extend(
                pattern::render_base(
                    &[
                        "src/http.ts".into(),
                        "src/auth.ts".into(),
                        "src/router.ts".into(),
                    ],
                    &context,
                )
                .unwrap(),
            );
            for file in files.iter().filter(|file| {
                file.path.starts_with("src") && file.path.extension().is_some_and(|ext| ext == "ts")
            }) {
                let (text, _) = strip_types(&file.path, &file.contents)
                    .unwrap_or_else(|error| panic!("{}: {error}", chosen.id));
                assert!(
                    !text.contains(": Promise<"),
                    "{}: {}",
                    chosen.id,
                    file.path.display()
                );
            }
        }
    }
}
