//! [`VendorFields`]: the vendor fields of a share that have no unified home, stored compactly.
//!
//! A gateway keeps every share of every account in memory, so the stored form matters: a
//! `serde_json::Map` of three small keys costs about 500 heap bytes in eight allocations, the
//! same object as compact JSON text about 60 bytes in one, and equal texts can share that one
//! ([`VendorInterner`]). Shares are written far more often than their vendor fields are read
//! (they are mostly serialized straight back out), so the fields are kept as text and parsed
//! only when a caller asks for a key (`docs/memory.md`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A JSON object of vendor fields, kept as its compact text (`{}` when empty). Cloning shares
/// the text; a [`VendorInterner`] makes equal field sets share one allocation.
#[derive(Clone, Default)]
pub struct VendorFields(Option<Arc<RawValue>>);

impl VendorFields {
    /// No vendor fields.
    pub fn new() -> Self {
        VendorFields(None)
    }

    /// Stores `map` as compact JSON text (keys in the map's order).
    pub fn from_map(map: Map<String, Value>) -> Self {
        if map.is_empty() {
            return VendorFields(None);
        }
        // Serializing a `Value` cannot fail (string keys, finite numbers) and always yields
        // valid JSON; an empty set is the fallback rather than a panic all the same.
        let raw = serde_json::to_string(&Value::Object(map))
            .ok()
            .and_then(|text| RawValue::from_string(text).ok());
        VendorFields(raw.map(Arc::from))
    }

    /// True when there are no vendor fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The fields as compact JSON object text (`{}` when empty).
    pub fn as_json(&self) -> &str {
        self.0.as_deref().map_or("{}", RawValue::get)
    }

    /// The fields as a map (parses the stored text).
    pub fn to_map(&self) -> Map<String, Value> {
        match &self.0 {
            Some(raw) => serde_json::from_str(raw.get()).unwrap_or_default(),
            None => Map::new(),
        }
    }

    /// The value of one field, if present (parses the stored text).
    pub fn get(&self, key: &str) -> Option<Value> {
        self.to_map().remove(key)
    }

    /// True when the field is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// Writes [`VendorFields`] key by key straight into their JSON text, with no intermediate map
/// (what the vendor mappers use for every record they map).
#[derive(Debug, Default)]
pub struct VendorFieldsBuilder {
    buf: Vec<u8>,
}

impl VendorFieldsBuilder {
    /// Adds `key: value`. Keys must be distinct (the mappers' keys are constants); a value
    /// that cannot be serialized is left out.
    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> &mut Self {
        let mark = self.buf.len();
        self.buf.push(if mark == 0 { b'{' } else { b',' });
        let written = serde_json::to_writer(&mut self.buf, key)
            .and_then(|()| {
                self.buf.push(b':');
                serde_json::to_writer(&mut self.buf, value)
            })
            .is_ok();
        if !written {
            self.buf.truncate(mark);
        }
        self
    }

    /// Adds `key: value` when `value` is `Some`.
    pub fn insert_some<T: Serialize>(&mut self, key: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.insert(key, &v);
        }
        self
    }

    /// The fields written so far.
    pub fn build(mut self) -> VendorFields {
        if self.buf.is_empty() {
            return VendorFields(None);
        }
        self.buf.push(b'}');
        let raw = String::from_utf8(self.buf)
            .ok()
            .and_then(|text| RawValue::from_string(text).ok());
        VendorFields(raw.map(Arc::from))
    }
}

/// Makes equal [`VendorFields`] share one allocation. A crawl's records mostly repeat a few
/// field sets (the same flags, the same team space), so a snapshot keeps each set once.
/// Bounded: past [`VendorInterner::MAX_DISTINCT`] distinct sets, new ones are kept as they are.
#[derive(Debug, Default)]
pub struct VendorInterner {
    seen: HashSet<ByText>,
}

/// A stored text hashed and compared as text (unlike [`VendorFields`]' content equality).
#[derive(Debug)]
struct ByText(Arc<RawValue>);

impl PartialEq for ByText {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}
impl Eq for ByText {}
impl Hash for ByText {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.get().hash(state)
    }
}
impl Borrow<str> for ByText {
    fn borrow(&self) -> &str {
        self.0.get()
    }
}

impl VendorInterner {
    /// Distinct field sets remembered at most.
    pub const MAX_DISTINCT: usize = 4096;

    /// `fields`, sharing the allocation of an equal set seen before.
    pub fn intern(&mut self, fields: VendorFields) -> VendorFields {
        let Some(raw) = fields.0 else {
            return VendorFields(None);
        };
        if let Some(known) = self.seen.get(raw.get()) {
            return VendorFields(Some(Arc::clone(&known.0)));
        }
        if self.seen.len() < Self::MAX_DISTINCT {
            self.seen.insert(ByText(Arc::clone(&raw)));
        }
        VendorFields(Some(raw))
    }
}

impl From<Map<String, Value>> for VendorFields {
    fn from(map: Map<String, Value>) -> Self {
        VendorFields::from_map(map)
    }
}

impl PartialEq for VendorFields {
    /// Equal when the objects are equal, whatever their text's key order.
    fn eq(&self, other: &Self) -> bool {
        self.as_json() == other.as_json() || self.to_map() == other.to_map()
    }
}

impl fmt::Debug for VendorFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_json())
    }
}

impl Serialize for VendorFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            // serde_json writes the stored text as it is.
            Some(raw) => raw.serialize(serializer),
            None => Map::new().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for VendorFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::<String, Value>::deserialize(deserializer).map(VendorFields::from_map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> VendorFields {
        match v {
            Value::Object(m) => VendorFields::from_map(m),
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn keeps_an_object_as_compact_text_in_key_order() {
        let f = fields(json!({"scope": 1, "containerId": "c 1", "price": {"a": [1, 2]}}));
        assert_eq!(
            f.as_json(),
            r#"{"scope":1,"containerId":"c 1","price":{"a":[1,2]}}"#
        );
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            f.as_json(),
            "serialized as stored"
        );
        assert_eq!(f.get("scope"), Some(json!(1)));
        assert_eq!(f.get("price"), Some(json!({"a": [1, 2]})));
        assert!(f.contains_key("containerId"));
        assert!(!f.contains_key("missing"));
        assert_eq!(f.to_map().len(), 3);
    }

    #[test]
    fn the_builder_writes_the_same_text_as_a_map() {
        let mut b = VendorFieldsBuilder::default();
        b.insert("price", &json!(20))
            .insert_some("unlocked", Some(true))
            .insert_some::<bool>("absent", None)
            .insert("quote\"key", "v\u{1F600}\n")
            .insert("nested", &json!({"a": [1, null]}));
        let f = b.build();
        let expected = fields(json!({
            "price": 20, "unlocked": true, "quote\"key": "v\u{1F600}\n", "nested": {"a": [1, null]}
        }));
        assert_eq!(f.as_json(), expected.as_json());
        assert!(VendorFieldsBuilder::default().build().is_empty());
    }

    #[test]
    fn the_interner_shares_equal_sets_and_stays_bounded() {
        let mut i = VendorInterner::default();
        let a = i.intern(fields(json!({"scope": 1, "containerId": "c"})));
        let b = i.intern(fields(json!({"scope": 1, "containerId": "c"})));
        let c = i.intern(fields(json!({"scope": 2, "containerId": "c"})));
        let (pa, pb, pc) = (
            a.as_json().as_ptr(),
            b.as_json().as_ptr(),
            c.as_json().as_ptr(),
        );
        assert_eq!(pa, pb, "equal sets share one allocation");
        assert_ne!(pa, pc);
        assert_eq!(b, fields(json!({"containerId": "c", "scope": 1})));
        assert!(i.intern(VendorFields::new()).is_empty());
        for n in 0..VendorInterner::MAX_DISTINCT + 10 {
            let f = i.intern(fields(json!({ "n": n })));
            assert_eq!(f.get("n"), Some(json!(n)));
        }
        assert_eq!(i.seen.len(), VendorInterner::MAX_DISTINCT);
    }

    #[test]
    fn empty_is_an_empty_object() {
        let f = VendorFields::new();
        assert!(f.is_empty());
        assert_eq!(f.as_json(), "{}");
        assert_eq!(serde_json::to_string(&f).unwrap(), "{}");
        assert_eq!(fields(json!({})), f);
        assert_eq!(f.get("x"), None);
    }

    #[test]
    fn round_trips_and_compares_by_content() {
        let f = fields(json!({"a": 1, "b": "x\"y\n", "c": null}));
        let back: VendorFields = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
        assert_eq!(fields(json!({"b": "x\"y\n", "c": null, "a": 1})), f);
        assert_ne!(fields(json!({"a": 2})), f);
        assert!(serde_json::from_str::<VendorFields>("[1]").is_err());
        assert_eq!(format!("{f:?}"), f.as_json());
    }
}
