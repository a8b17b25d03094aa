//! Mapping a slice on every core, order kept (scoped threads, one contiguous chunk each): the
//! start-up work that is many independent records, parsing a data directory's rows and turning
//! snapshot records into store records.

use std::num::NonZeroUsize;

/// Below this many items one thread does it all (a thread costs more than it saves).
const MIN_PER_THREAD: usize = 1024;

/// `items` mapped by `f`, in order, on up to one thread per core.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let threads = cores.min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part),
                // A panic in `f` is the caller's bug: passed on as it was.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn maps_every_item_in_order(items in prop::collection::vec(any::<u32>(), 0..5000)) {
            let mapped = super::map(&items, |x| u64::from(*x) * 3);
            let expected: Vec<u64> = items.iter().map(|x| u64::from(*x) * 3).collect();
            prop_assert_eq!(mapped, expected);
        }
    }
}
