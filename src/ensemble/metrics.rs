//! A member's figures as the server printed them, stored compactly: every member of a fleet
//! keeps ~540 of them, refreshed every second, so a figure is 16 bytes in a slot indexed by
//! its name's id (`metric_keys`) rather than a string-keyed map entry (~100 bytes and three
//! allocations each). Names outside the known table are kept by name beside them.

use super::metric_keys::{self, KeyId, KNOWN};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// A metric value as the server printed it. Unknown keys are kept verbatim.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum MetricValue {
    Int(i64),
    Float(f64),
    Text(MetricText),
}

// Sixteen bytes, and no more with `Option` around it: the size of a figure's slot.
const _: () = assert!(std::mem::size_of::<Option<MetricValue>>() == 16);

impl MetricValue {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        if let Ok(i) = raw.parse::<i64>() {
            MetricValue::Int(i)
        } else if let Ok(f) = raw.parse::<f64>() {
            if f.is_finite() {
                MetricValue::Float(f)
            } else {
                MetricValue::Text(raw.into())
            }
        } else {
            MetricValue::Text(raw.into())
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            MetricValue::Int(i) => Some(*i as f64),
            MetricValue::Float(f) => Some(*f),
            MetricValue::Text(_) => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            MetricValue::Int(i) => Some(*i),
            MetricValue::Float(f) => Some(*f as i64),
            MetricValue::Text(_) => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            MetricValue::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl fmt::Display for MetricValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricValue::Int(i) => write!(f, "{i}"),
            MetricValue::Float(x) => write!(f, "{x}"),
            MetricValue::Text(s) => f.write_str(s),
        }
    }
}

/// The text of a figure (`version`, `server_state`, `peer_state`): a string behind one thin
/// pointer, so a figure stays 16 bytes. Reads as a `&str`.
#[derive(Clone, PartialEq, Eq)]
// Boxed on purpose: a `String` (24 bytes) or `Box<str>` (16) would make every figure, text
// or not, 32 or 24 bytes instead of 16.
#[allow(clippy::box_collection)]
pub struct MetricText(Box<String>);

impl MetricText {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for MetricText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for MetricText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for MetricText {
    fn from(s: &str) -> Self {
        MetricText(Box::new(s.to_string()))
    }
}

impl From<String> for MetricText {
    fn from(s: String) -> Self {
        MetricText(Box::new(s))
    }
}

impl PartialEq<str> for MetricText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for MetricText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for MetricText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for MetricText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl Serialize for MetricText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// Metrics keyed without the `zk_` prefix (`avg_latency`, `server_state`, ...), so `mntr` and
/// the AdminServer's `monitor` (which has no prefix) land in the same map. Reads like a
/// sorted map of name -> value (`get`, `iter` in name order, serialized as a JSON object);
/// a key given twice keeps its last value.
#[derive(Clone, Default)]
pub struct Metrics {
    /// Figures of known names, at their id: empty, or one slot per known name.
    known: Vec<Option<MetricValue>>,
    /// How many of `known` hold a figure.
    known_len: usize,
    /// Figures of names outside the table, sorted by name.
    other: Vec<(Box<str>, MetricValue)>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for every known figure at once: what a full `mntr` reply needs (one allocation).
    pub(crate) fn with_known_slots() -> Self {
        Metrics {
            known: vec![None; KNOWN.len()],
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.known_len + self.other.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, key: &str) -> Option<&MetricValue> {
        match metric_keys::id_of(key) {
            Some(id) => self.known.get(id as usize)?.as_ref(),
            None => self.other_at(key).ok().map(|i| &self.other[i].1),
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut MetricValue> {
        match metric_keys::id_of(key) {
            Some(id) => self.known.get_mut(id as usize)?.as_mut(),
            None => match self.other_at(key) {
                Ok(i) => Some(&mut self.other[i].1),
                Err(_) => None,
            },
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` (owned, as a map's `insert` takes it); the previous value, if any.
    pub fn insert(&mut self, key: String, value: MetricValue) -> Option<MetricValue> {
        match metric_keys::id_of(&key) {
            Some(id) => self.put_known(id, value),
            None => self.put_other(key.into_boxed_str(), value),
        }
    }

    /// Sets `key` without an owned name: nothing is allocated for a known one.
    pub fn put(&mut self, key: &str, value: MetricValue) -> Option<MetricValue> {
        match metric_keys::id_of(key) {
            Some(id) => self.put_known(id, value),
            None => self.put_other(key.into(), value),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<MetricValue> {
        match metric_keys::id_of(key) {
            Some(id) => {
                let old = self.known.get_mut(id as usize)?.take();
                self.known_len -= usize::from(old.is_some());
                old
            }
            None => {
                let i = self.other_at(key).ok()?;
                Some(self.other.remove(i).1)
            }
        }
    }

    /// The slot for `key`, to fill when empty (`entry(k).or_insert(v)`, as with a map).
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        Entry { map: self, key }
    }

    /// Figures in name order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            known: self.known.iter().enumerate(),
            next_known: None,
            other: self.other.iter(),
            next_other: None,
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &MetricValue> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// Takes every figure of `other`, which wins where both have one.
    pub fn merge(&mut self, other: Metrics) {
        for (id, v) in other.known.into_iter().enumerate() {
            if let Some(v) = v {
                self.put_known(id as KeyId, v);
            }
        }
        for (k, v) in other.other {
            self.put_other(k, v);
        }
    }

    fn put_known(&mut self, id: KeyId, value: MetricValue) -> Option<MetricValue> {
        if self.known.is_empty() {
            self.known = vec![None; KNOWN.len()];
        }
        let old = self.known[id as usize].replace(value);
        self.known_len += usize::from(old.is_none());
        old
    }

    fn put_other(&mut self, key: Box<str>, value: MetricValue) -> Option<MetricValue> {
        match self.other_at(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.other[i].1, value)),
            Err(i) => {
                self.other.insert(i, (key, value));
                None
            }
        }
    }

    fn other_at(&self, key: &str) -> Result<usize, usize> {
        self.other.binary_search_by(|(k, _)| (**k).cmp(key))
    }
}

/// Whether `name` is stored by id (no allocation for its name in any snapshot).
pub fn is_known(name: &str) -> bool {
    metric_keys::id_of(name).is_some()
}

/// A vacant or occupied slot of `Metrics::entry`.
pub struct Entry<'a> {
    map: &'a mut Metrics,
    key: String,
}

impl<'a> Entry<'a> {
    pub fn or_insert(self, value: MetricValue) -> &'a mut MetricValue {
        if !self.map.contains_key(&self.key) {
            self.map.put(&self.key, value);
        }
        self.map
            .get_mut(&self.key)
            .expect("the figure was just set")
    }
}

/// Figures in name order: the known ones (ids are in name order) merged with the others.
pub struct Iter<'a> {
    known: std::iter::Enumerate<std::slice::Iter<'a, Option<MetricValue>>>,
    next_known: Option<(&'static str, &'a MetricValue)>,
    other: std::slice::Iter<'a, (Box<str>, MetricValue)>,
    next_other: Option<(&'a str, &'a MetricValue)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a MetricValue);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_known.is_none() {
            self.next_known = self
                .known
                .by_ref()
                .find_map(|(id, v)| Some((metric_keys::name_of(id as KeyId), v.as_ref()?)));
        }
        if self.next_other.is_none() {
            self.next_other = self.other.next().map(|(k, v)| (&**k, v));
        }
        match (self.next_known, self.next_other) {
            (Some(k), Some(o)) if o.0 < k.0 => self.next_other.take(),
            (Some(_), _) => self.next_known.take(),
            (None, _) => self.next_other.take(),
        }
    }
}

impl<'a> IntoIterator for &'a Metrics {
    type Item = (&'a str, &'a MetricValue);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Owned figures in name order, with owned names (as a map's `into_iter`).
impl IntoIterator for Metrics {
    type Item = (String, MetricValue);
    type IntoIter = std::vec::IntoIter<(String, MetricValue)>;
    fn into_iter(self) -> Self::IntoIter {
        let mut all: Vec<(String, MetricValue)> = Vec::with_capacity(self.len());
        for (id, v) in self.known.into_iter().enumerate() {
            if let Some(v) = v {
                all.push((metric_keys::name_of(id as KeyId).to_string(), v));
            }
        }
        all.extend(self.other.into_iter().map(|(k, v)| (k.into_string(), v)));
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.into_iter()
    }
}

impl<K: AsRef<str>> FromIterator<(K, MetricValue)> for Metrics {
    fn from_iter<I: IntoIterator<Item = (K, MetricValue)>>(iter: I) -> Self {
        let mut m = Metrics::new();
        m.extend(iter);
        m
    }
}

impl<K: AsRef<str>> Extend<(K, MetricValue)> for Metrics {
    fn extend<I: IntoIterator<Item = (K, MetricValue)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.put(k.as_ref(), v);
        }
    }
}

impl std::ops::Index<&str> for Metrics {
    type Output = MetricValue;
    fn index(&self, key: &str) -> &MetricValue {
        self.get(key)
            .unwrap_or_else(|| panic!("no figure {key:?} in the metrics"))
    }
}

impl PartialEq for Metrics {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A JSON object of name -> value in name order, as the map it replaced serialized.
impl Serialize for Metrics {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn sample() -> Vec<(&'static str, MetricValue)> {
        vec![
            ("version", MetricValue::Text("3.8.4".into())),
            ("zz_unknown", MetricValue::Int(7)),
            ("avg_latency", MetricValue::Float(1.5)),
            ("a_first_unknown", MetricValue::Text("x".into())),
            ("znode_count", MetricValue::Int(42)),
            ("learners", MetricValue::Int(2)),
        ]
    }

    #[test]
    fn reads_like_the_sorted_map_it_replaced() {
        let m: Metrics = sample().into_iter().collect();
        let map: BTreeMap<&str, MetricValue> = sample().into_iter().collect();
        assert_eq!(m.len(), map.len());
        let ours: Vec<(&str, &MetricValue)> = m.iter().collect();
        let theirs: Vec<(&str, &MetricValue)> = map.iter().map(|(k, v)| (*k, v)).collect();
        assert_eq!(ours, theirs);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(format!("{m:?}"), format!("{map:?}"));
        for (k, v) in &map {
            assert_eq!(m.get(k), Some(v), "{k}");
        }
        assert_eq!(m.get("missing"), None);
        assert_eq!(m.get("uptime"), None);
    }

    #[test]
    fn setting_a_figure_twice_keeps_the_last_and_counts_it_once() {
        let mut m = Metrics::new();
        assert_eq!(m.put("uptime", MetricValue::Int(1)), None);
        assert_eq!(
            m.insert("uptime".into(), MetricValue::Int(2)),
            Some(MetricValue::Int(1))
        );
        m.put("new_thing", MetricValue::Int(1));
        m.put("new_thing", MetricValue::Int(3));
        assert_eq!(m.len(), 2);
        assert_eq!(m["uptime"], MetricValue::Int(2));
        assert_eq!(m["new_thing"], MetricValue::Int(3));
        m.entry("uptime".into()).or_insert(MetricValue::Int(9));
        m.entry("watch_count".into()).or_insert(MetricValue::Int(5));
        assert_eq!(m["uptime"], MetricValue::Int(2));
        assert_eq!(m["watch_count"], MetricValue::Int(5));
        assert_eq!(m.remove("uptime"), Some(MetricValue::Int(2)));
        assert_eq!(m.remove("new_thing"), Some(MetricValue::Int(3)));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn merging_and_owned_iteration_keep_names_and_order() {
        let mut a: Metrics = sample().into_iter().take(3).collect();
        let b: Metrics = sample().into_iter().skip(2).collect();
        let mut expected = a.clone();
        expected.extend(b.clone());
        a.merge(b);
        assert_eq!(a, expected);
        let owned: Vec<String> = a.into_iter().map(|(k, _)| k).collect();
        let mut sorted = owned.clone();
        sorted.sort();
        assert_eq!(owned, sorted);
        assert_eq!(owned.len(), 6);
    }

    #[test]
    fn equal_figures_are_equal_however_they_were_stored() {
        let mut a = Metrics::with_known_slots();
        a.put("uptime", MetricValue::Int(1));
        let mut b = Metrics::new();
        b.put("uptime", MetricValue::Int(1));
        assert_eq!(a, b);
        assert_ne!(a, Metrics::new());
    }
}
