//! Fixtures: an object per component schema to answer with in place of the synthesised
//! example, in the format stripe-mock reads (`{"resources": {"charge": {...}, ...}}`, as
//! Stripe publishes `fixtures3.json`; a plain object of schemas is read too).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Objects by component schema name.
#[derive(Clone, Debug, Default)]
pub struct Fixtures {
    by_schema: BTreeMap<String, Value>,
}

impl Fixtures {
    /// Fixtures from JSON text: `{"resources": {...}}` or the map itself.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let map = match value {
            Value::Object(mut map) => match map.remove("resources") {
                Some(Value::Object(resources)) => resources,
                Some(_) => return Err("`resources` is not an object".to_owned()),
                None => map,
            },
            _ => return Err("the fixtures are not a JSON object".to_owned()),
        };
        Ok(Self {
            by_schema: map.into_iter().collect(),
        })
    }

    /// Fixtures from a file; the error names it.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The fixture of a schema.
    pub fn get(&self, schema: &str) -> Option<&Value> {
        self.by_schema.get(schema)
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.by_schema.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_schema.is_empty()
    }
}
