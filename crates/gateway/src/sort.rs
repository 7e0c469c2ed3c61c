//! Sort keys and the one total order every list uses: by key, `null` last in both directions,
//! ties broken on the share id in the same direction.

use std::cmp::Ordering;
use unishare_core::Share;

/// A sort key of `GET /v1/shares`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SortKey {
    /// `created_at` (default).
    CreatedAt,
    /// `name`.
    Name,
    /// `views`.
    Views,
    /// `downloads`.
    Downloads,
    /// `expires_at`.
    ExpiresAt,
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(as = SortOrder, rename_all = "snake_case")]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending (default).
    Desc,
}

/// A key value of one share.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyValue<'a> {
    /// Times (epoch ms) and counters.
    Int(i64),
    /// Names.
    Str(&'a str),
}

impl SortKey {
    /// Number of keys.
    pub const COUNT: usize = 5;
    /// Every key, in index order.
    pub const ALL: [SortKey; SortKey::COUNT] = [
        SortKey::CreatedAt,
        SortKey::Name,
        SortKey::Views,
        SortKey::Downloads,
        SortKey::ExpiresAt,
    ];

    /// Position in [`SortKey::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The query-string name.
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::CreatedAt => "created_at",
            SortKey::Name => "name",
            SortKey::Views => "views",
            SortKey::Downloads => "downloads",
            SortKey::ExpiresAt => "expires_at",
        }
    }

    /// Parses the query-string name.
    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The share's value for this key; `None` sorts last.
    pub fn value(self, s: &Share) -> Option<KeyValue<'_>> {
        match self {
            SortKey::CreatedAt => s.created_at.map(|t| KeyValue::Int(t.timestamp_millis())),
            SortKey::Name => Some(KeyValue::Str(&s.name)),
            SortKey::Views => s.stats.views.map(|v| KeyValue::Int(clamp(v))),
            SortKey::Downloads => s.stats.downloads.map(|v| KeyValue::Int(clamp(v))),
            SortKey::ExpiresAt => s.expires_at.map(|t| KeyValue::Int(t.timestamp_millis())),
        }
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Order {
    /// The query-string name.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        }
    }
}

/// Compares (key, id) pairs in ascending order with `null` keys last.
pub fn cmp_key_id(a: (Option<&KeyValue<'_>>, &str), b: (Option<&KeyValue<'_>>, &str)) -> Ordering {
    let by_key = match (a.0, b.0) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_key.then_with(|| a.1.cmp(b.1))
}

/// Ascending total order of two shares by `key`, nulls last, ties on id.
pub fn cmp_asc(a: &Share, b: &Share, key: SortKey) -> Ordering {
    cmp_key_id(
        (key.value(a).as_ref(), a.id.as_str()),
        (key.value(b).as_ref(), b.id.as_str()),
    )
}

/// The list order: `asc` is [`cmp_asc`]; `desc` reverses key and id but keeps nulls last.
pub fn cmp_in_order(a: &Share, b: &Share, key: SortKey, order: Order) -> Ordering {
    cmp_pairs_in_order(
        (key.value(a).as_ref(), a.id.as_str()),
        (key.value(b).as_ref(), b.id.as_str()),
        order,
    )
}

/// The list order of two (key, id) pairs: [`cmp_key_id`] for `asc`; for `desc` key and id
/// reversed, nulls still last.
pub fn cmp_pairs_in_order(
    a: (Option<&KeyValue<'_>>, &str),
    b: (Option<&KeyValue<'_>>, &str),
    order: Order,
) -> Ordering {
    match order {
        Order::Asc => cmp_key_id(a, b),
        Order::Desc => match (a.0.is_some(), b.0.is_some()) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => cmp_key_id(b, a),
        },
    }
}
