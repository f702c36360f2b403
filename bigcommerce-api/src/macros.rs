/// Declares a string enum from the wire: `#[non_exhaustive]`, known variants plus
/// `Other(String)` keeping any unknown value, (de)serialised as the string. The one
/// definition lives in `api-core` ([`bc_mirakl_api_core::open_enum!`]), shared with `mirakl-api`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        bc_mirakl_api_core::open_enum! {
            $(#[$meta])*
            pub enum $name {
                $( $(#[$vmeta])* $variant => $text, )+
            }
        }
    };
}

/// Declares a `u64` id newtype, `#[serde(transparent)]`, accepting numbers or numeric
/// strings on input.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                bc_mirakl_api_core::de::u64_lenient(d).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<u64> for $name {
            fn from(v: u64) -> Self {
                $name(v)
            }
        }

        impl $name {
            /// The numeric value.
            pub fn get(self) -> u64 {
                self.0
            }
        }
    };
}
