//! One swap cell for state that a reload replaces whole: the policy (agreements and
//! compiled schemas), the restrictions set, a listener's TLS configuration. Readers take
//! an `Arc` of the current value and keep it for as long as they need it (a transfer
//! finishes on the policy it started with); a reload stores a new value without waiting
//! for them. Built on `arc-swap`, so reads take no lock.
//!
//! Must not: hold a value that is changed in place; every change is a new value.

use std::sync::Arc;

use arc_swap::ArcSwap;

/// The current value of reloadable state, swapped atomically.
#[derive(Debug, Default)]
pub struct Reloadable<T>(ArcSwap<T>);

impl<T> Reloadable<T> {
    pub fn new(value: T) -> Self {
        Self(ArcSwap::from_pointee(value))
    }

    /// The value to work with now; later swaps do not change it.
    pub fn current(&self) -> Arc<T> {
        self.0.load_full()
    }

    /// Make `value` the current value.
    pub fn replace(&self, value: T) {
        self.0.store(Arc::new(value));
    }

    /// Swap in whichever of the current value and `candidate` `keep` chooses, without
    /// losing a swap that another caller made meanwhile.
    pub fn replace_if(&self, candidate: Arc<T>, keep_candidate: impl Fn(&T, &T) -> bool) {
        self.0.rcu(|cur| {
            if keep_candidate(&candidate, cur) {
                Arc::clone(&candidate)
            } else {
                Arc::clone(cur)
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_keep_the_value_they_took() {
        let cell = Reloadable::new(1);
        let before = cell.current();
        cell.replace(2);
        assert_eq!((*before, *cell.current()), (1, 2));
        cell.replace_if(Arc::new(1), |new, cur| new > cur);
        assert_eq!(*cell.current(), 2, "an older value does not replace a newer one");
        cell.replace_if(Arc::new(3), |new, cur| new > cur);
        assert_eq!(*cell.current(), 3);
    }
}
