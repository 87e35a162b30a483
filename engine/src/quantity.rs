//! Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource`), compared exactly.
//! Values are held in nano-units as `i128`, so `1G` (1,000,000,000) < `1Gi` (1,073,741,824) and
//! `1024Mi` == `1Gi` without floating point.

use serde_json::Value;
use std::fmt;

/// An exact quantity in nano-units (value × 10⁹).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    /// Value × 10⁹.
    pub nanos: i128,
}

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parses the canonical grammar: `<signedNumber><suffix>` with binary (`Ki`…`Ei`), decimal
    /// (`n u m "" k M G T P E`) or exponent (`e3`, `E-2`) suffixes. Case-sensitive; no spaces.
    pub fn parse(s: &str) -> Option<Quantity> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = match b.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &s[int_start..i];
        let mut frac_digits = "";
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let fs = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &s[fs..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return None;
        }
        let suffix = &s[i..];
        // multiplier as (numerator, power of ten exponent)
        let (mult, exp10): (i128, i32) = match suffix {
            "" => (1, 0),
            "n" => (1, -9),
            "u" => (1, -6),
            "m" => (1, -3),
            "k" => (1, 3),
            "M" => (1, 6),
            "G" => (1, 9),
            "T" => (1, 12),
            "P" => (1, 15),
            "E" => (1, 18),
            "Ki" => (1 << 10, 0),
            "Mi" => (1 << 20, 0),
            "Gi" => (1 << 30, 0),
            "Ti" => (1 << 40, 0),
            "Pi" => (1 << 50, 0),
            "Ei" => (1 << 60, 0),
            _ => {
                let rest = suffix.strip_prefix(['e', 'E'])?;
                let e: i32 = rest.parse().ok()?;
                if !rest.trim_start_matches(['+', '-']).bytes().all(|c| c.is_ascii_digit()) || e.abs() > 30 {
                    return None;
                }
                (1, e)
            }
        };
        // mantissa = int_digits.frac_digits as an integer and a power-of-ten scale
        let digits = format!("{int_digits}{frac_digits}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 30 {
            return None;
        }
        let mantissa: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        let scale = exp10 - frac_digits.len() as i32 + 9; // nano units
        let mut nanos = mantissa.checked_mul(mult)?;
        if scale >= 0 {
            nanos = nanos.checked_mul(10i128.checked_pow(scale as u32)?)?;
        } else {
            let div = 10i128.checked_pow((-scale) as u32)?;
            // Kubernetes rounds up to the smallest representable unit (a ceiling division that cannot overflow:
            // `nanos + div - 1` wrapped for mantissas near the top of the range).
            nanos = nanos / div + i128::from(nanos % div != 0);
        }
        Some(Quantity { nanos: if neg { -nanos } else { nanos } })
    }

    /// A quantity from a JSON value: strings by the grammar, numbers as plain values.
    pub fn from_json(v: &Value) -> Option<Quantity> {
        match v {
            Value::String(s) => Quantity::parse(s),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Some(Quantity { nanos: (i as i128).checked_mul(NANO)? })
                } else if let Some(u) = n.as_u64() {
                    Some(Quantity { nanos: (u as i128).checked_mul(NANO)? })
                } else {
                    Quantity::parse(&n.to_string())
                }
            }
            _ => None,
        }
    }

    /// True when the value is not a whole number of base units (e.g. `500m` bytes).
    pub fn is_fractional(&self) -> bool {
        self.nanos % NANO != 0
    }

    /// Whole base units, rounded towards zero.
    pub fn units(&self) -> i128 {
        self.nanos / NANO
    }
}

impl fmt::Display for Quantity {
    /// Whole units with thousands separators (`1,073,741,824`), or a decimal for fractions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = self.units().unsigned_abs();
        let s = units.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if self.nanos < 0 {
            out.insert(0, '-');
        }
        let frac = (self.nanos % NANO).unsigned_abs();
        if frac != 0 {
            let digits = format!("{frac:09}");
            out.push('.');
            out.push_str(digits.trim_end_matches('0'));
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn exact_comparisons() {
        assert!(q("1G") < q("1Gi"));
        assert_eq!(q("1024Mi"), q("1Gi"));
        assert_eq!(q("500Mi").units(), 524_288_000);
        assert_eq!(q("1k").units(), 1000);
        assert_eq!(q("1Ki").units(), 1024);
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("1.5Gi").units(), 1_610_612_736);
        assert_eq!(q("0.5"), q("500m"));
        assert!(q("500m").is_fractional());
        assert!(!q("1Ei").is_fractional());
        assert_eq!(q("-1").nanos, -NANO);
        assert_eq!(q("1G").to_string(), "1,000,000,000");
        assert_eq!(q("1Gi").to_string(), "1,073,741,824");
    }

    #[test]
    fn invalid_quantities() {
        for s in ["", "1gi", "1GB", "1K", "10 Gi", "Gi", "1.2.3", "1e", "abc", "1Mib", "--1"] {
            assert!(Quantity::parse(s).is_none(), "{s} should not parse");
        }
    }

    #[test]
    fn rounding_near_the_top_of_the_range_does_not_wrap() {
        // 2^97 - 1 units of a billionth of a Gi: the product is 2^127 - 2^30, just representable.
        let big = q("15845632502.8528675187087900671Gi");
        assert!(big.nanos > 0, "{big:?}");
        assert!(big > q("1Ei"));
        assert_eq!(q("1.5n").nanos, 2);
    }

    #[test]
    fn json_numbers() {
        assert_eq!(Quantity::from_json(&serde_json::json!(1)), Some(q("1")));
        assert_eq!(Quantity::from_json(&serde_json::json!(1.5)), Some(q("1.5")));
        assert_eq!(Quantity::from_json(&serde_json::json!(true)), None);
    }
}
