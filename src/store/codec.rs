//! Record encoding: bincode 2 (serde), each record wrapped in a versioned enum
//! so old records stay readable; decoded with a size limit and a check that
//! every byte was consumed.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::domain::{Error, Result};

/// No record is larger: a damaged length prefix cannot make us allocate more.
pub const MAX_RECORD: usize = 1 << 20;

/// The version envelope of every stored value. A later schema adds `V2(..)`
/// and converts `V1` on read.
#[derive(Serialize, Deserialize)]
enum Versioned<T> {
    V1(T),
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_RECORD>()
}

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Encoding a record we built cannot fail: no maps with non-string keys
    // that bincode refuses, no sizes past the limit for valid names.
    bincode::serde::encode_to_vec(Versioned::V1(v), config()).expect("record encodes")
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    if bytes.len() > MAX_RECORD {
        return Err(undecodable(what, "larger than any record"));
    }
    match bincode::serde::decode_from_slice::<Versioned<T>, _>(bytes, config()) {
        Ok((Versioned::V1(v), used)) if used == bytes.len() => Ok(v),
        Ok(_) => Err(undecodable(what, "trailing bytes")),
        Err(e) => Err(undecodable(what, e)),
    }
}

fn undecodable(what: &str, e: impl std::fmt::Display) -> Error {
    Error::unavailable(format!(
        "a stored {what} does not decode ({e}); run `treeward doctor`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_refusals() {
        let v = ("abc".to_string(), 42u64);
        let b = encode(&v);
        assert_eq!(decode::<(String, u64)>(&b, "t").unwrap(), v);
        let mut longer = b.clone();
        longer.push(0);
        assert!(decode::<(String, u64)>(&longer, "t").is_err());
        // A huge length prefix is refused without allocating it.
        let huge = [0u8, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert!(decode::<(String, u64)>(&huge, "t").is_err());
        assert!(decode::<(String, u64)>(&[1u8], "t").is_err());
    }
}
