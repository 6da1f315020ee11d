//! `closed_set!`: an enum of the fixed strings a field takes, with its one `parse`, its names and
//! its OpenAPI schema, so that a closed set of values is one type in the code and an `enum` in the
//! API document instead of a list in prose.

/// Declares `enum Name { Variant = "text", … }` with `ALL`, `NAMES`, `as_str`, `parse` (exact
/// match), serde as the texts, and a `ToSchema` listing them.
#[macro_export]
macro_rules! closed_set {
    ($(#[doc = $doc:literal])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];
            /// Every value's text, in declaration order.
            pub const NAMES: [&'static str; [$($text),+].len()] = [$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }

        // Written out rather than derived: the derive does not see a `serde(rename)` whose text
        // comes from a macro argument, and would list the variants' Rust names.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::NAMES))
                    .description(Some(concat!($($doc, "\n"),*).trim()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
