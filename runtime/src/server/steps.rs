//! A future combinator keeping its state in place. `futures_util`'s `Map` moves its whole
//! state out to take the closure once its future is done: for a create charge, a copy of
//! about 1 KB (the request's whole future) at each level it wraps.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project_lite::pin_project! {
    /// `future`, its output passed through `f`.
    pub(super) struct Map<Fut, F> {
        #[pin]
        future: Fut,
        f: Option<F>,
    }
}

/// `future`'s output passed through `f`.
pub(super) fn map<Fut: Future, F: FnOnce(Fut::Output) -> T, T>(future: Fut, f: F) -> Map<Fut, F> {
    Map { future, f: Some(f) }
}

impl<Fut: Future, F: FnOnce(Fut::Output) -> T, T> Future for Map<Fut, F> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.project();
        let output = ready!(this.future.poll(cx));
        let f = this.f.take().expect("Map polled after it was done");
        Poll::Ready(f(output))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn map_passes_the_output_through_once_the_future_is_done() {
        let steps = std::cell::RefCell::new(Vec::new());
        let future = async {
            tokio::task::yield_now().await;
            steps.borrow_mut().push("future");
            2
        };
        let mapped = map(future, |n| {
            steps.borrow_mut().push("map");
            n * 10
        });
        assert_eq!(mapped.await, 20);
        assert_eq!(*steps.borrow(), ["future", "map"]);
    }
}
