//! [`open_enum!`](crate::open_enum): string enums from the wire that never fail on a new
//! value.

/// Declares a string enum from the wire: `#[non_exhaustive]`, the known variants plus
/// `Other(String)` keeping any value this version does not know (both APIs add values at
/// any time), (de)serialised as the string.
///
/// The enum gets `as_str`, `from_wire`, `From<&str>`, `FromStr` (infallible), `Display`,
/// `Serialize`, `Deserialize`, and derives `Debug, Clone, PartialEq, Eq, Hash, PartialOrd,
/// Ord`.
///
/// ```
/// bc_mirakl_api_core::open_enum! {
///     /// An order state.
///     pub enum State {
///         /// Waiting.
///         Waiting => "WAITING",
///         /// Shipped.
///         Shipped => "SHIPPED",
///     }
/// }
/// let s: State = serde_json::from_str(r#""REFUNDED""#).unwrap();
/// assert_eq!(s, State::Other("REFUNDED".into()));
/// assert_eq!(serde_json::to_string(&s).unwrap(), r#""REFUNDED""#);
/// assert_eq!(State::from_wire("SHIPPED"), State::Shipped);
/// assert_eq!(State::Waiting.to_string(), "WAITING");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the crate does not know (the API may add values at
            /// any time), kept as sent.
            Other(::std::string::String),
        }

        impl $name {
            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s.as_str(),
                }
            }

            /// Parses a wire value; unknown values become `Other`.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::from_wire(value)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::open_enum! {
        /// A test enum.
        pub enum Mode {
            /// Normal.
            Normal => "NORMAL",
            /// Replace.
            Replace => "REPLACE",
        }
    }

    #[test]
    fn known_and_unknown_values() {
        let m: Mode = serde_json::from_str(r#""REPLACE""#).unwrap();
        assert_eq!(m, Mode::Replace);
        let u: Mode = serde_json::from_value(serde_json::json!("PARTIAL_UPDATE")).unwrap();
        assert_eq!(u, Mode::Other("PARTIAL_UPDATE".into()));
        assert_eq!(u.as_str(), "PARTIAL_UPDATE");
        assert_eq!(serde_json::to_string(&u).unwrap(), r#""PARTIAL_UPDATE""#);
        assert_eq!(Mode::from("NORMAL"), Mode::Normal);
        assert_eq!("NORMAL".parse::<Mode>(), Ok(Mode::Normal));
        assert_eq!(Mode::Normal.to_string(), "NORMAL");
        assert!(serde_json::from_str::<Mode>("3").is_err());
    }
}
