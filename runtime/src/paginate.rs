//! Auto-pagination: a stream of every item of a list, page after page.

use std::collections::{HashSet, VecDeque};

use futures_util::stream::{self, Stream, StreamExt};

use crate::client::Client;
use crate::client_error::Error;
use crate::request::{Cursor, ListRequest};
use crate::{Object, Page};

struct State<R: ListRequest> {
    request: R,
    buffer: VecDeque<R::Item>,
    done: bool,
    seen: HashSet<String>,
    /// An error to yield once the items before it are out.
    pending_error: Option<Error>,
}

impl Client {
    /// Every item of the list, fetching pages as the stream is read: forwards with
    /// `starting_after`, or backwards with `ending_before` when the request has it. Stops after
    /// the page with `has_more: false`, and with an error if a cursor comes back twice.
    ///
    /// Search results page by the token of their next page instead.
    pub fn paginate<R>(&self, request: R) -> impl Stream<Item = Result<R::Item, Error>> + '_
    where
        R: ListRequest + Sync + 'static,
        R::Output: Into<Page<R::Item>>,
    {
        let state = State {
            request,
            buffer: VecDeque::new(),
            done: false,
            seen: HashSet::new(),
            pending_error: None,
        };
        stream::unfold(state, move |mut state| async move {
            loop {
                if let Some(item) = state.buffer.pop_front() {
                    return Some((Ok(item), state));
                }
                if let Some(error) = state.pending_error.take() {
                    return Some((Err(error), state));
                }
                if state.done {
                    return None;
                }
                let page: Page<R::Item> = match self.send(&state.request).await {
                    Ok(response) => response.into_inner().into(),
                    Err(error) => {
                        state.done = true;
                        return Some((Err(error), state));
                    }
                };
                let backwards = state.request.is_backwards();
                let mut items = page.items;
                if backwards {
                    // Pages come newest first; going back, the oldest item leads to the next page.
                    items.reverse();
                }
                let by_token = page.next_page.is_some();
                let cursor = page
                    .next_page
                    .or_else(|| items.last().map(|item| item.id_str().to_owned()));
                state.buffer.extend(items);
                match cursor {
                    Some(cursor) if page.has_more => {
                        if !state.seen.insert(cursor.clone()) {
                            state.done = true;
                            state.pending_error = Some(Error::PaginationLoop { cursor });
                            continue;
                        }
                        state.request.set_cursor(if by_token {
                            Cursor::Page(cursor)
                        } else if backwards {
                            Cursor::EndingBefore(cursor)
                        } else {
                            Cursor::StartingAfter(cursor)
                        });
                    }
                    _ => state.done = true,
                }
            }
        })
    }
}

/// Collects at most `cap` items of a stream, stopping at the first error.
pub async fn collect_capped<T, S>(stream: S, cap: usize) -> Result<Vec<T>, Error>
where
    S: Stream<Item = Result<T, Error>>,
{
    let mut stream = std::pin::pin!(stream.take(cap));
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item?);
    }
    Ok(items)
}
