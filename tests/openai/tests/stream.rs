//! Streamed responses of OpenAI's spec (3.1): a chat completion streamed by a generated server
//! through the generated client; SSE framing (multi-line data, comments, names, ids, the
//! `[DONE]` sentinel) and a connection lost mid-stream from a raw server on 127.0.0.1.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use apigen_runtime as rt;
use futures_util::StreamExt;
use openai::models::{
    ChatCompletionRequestMessage, CreateChatCompletionResponse, CreateChatCompletionStreamResponse,
    ModelIdsShared,
};
use openai::operations::CreateChatCompletion;
use openai::server::CreateChatCompletionResponse2;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A chunk of a streamed completion carrying `content`.
fn chunk(index: usize, content: &str) -> CreateChatCompletionStreamResponse {
    serde_json::from_value(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000 + index,
        "model": "gpt-test",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": content}, "finish_reason": null}]
    }))
    .expect("a chunk as the spec describes it")
}

/// The text a chunk adds, read through the generated types.
fn content(event: &CreateChatCompletionStreamResponse) -> String {
    event
        .choices
        .iter()
        .filter_map(|choice| choice.delta.content.as_deref())
        .collect()
}

fn request() -> CreateChatCompletion {
    let messages: Vec<ChatCompletionRequestMessage> =
        serde_json::from_value(json!([{"role": "user", "content": "Say hello"}])).unwrap();
    let model: ModelIdsShared = serde_json::from_value(json!("gpt-test")).unwrap();
    CreateChatCompletion::new(messages, model)
}

/// The chat group's server: streams three chunks when asked to, answers JSON otherwise;
/// `endless` streams until the client goes away (bounded at 10,000 chunks).
#[derive(Default)]
struct Chat {
    endless: bool,
    asked_to_stream: AtomicUsize,
    dropped: Arc<AtomicBool>,
}

/// Sets its flag when the stream it rides in is dropped.
struct OnDrop(Arc<AtomicBool>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl openai::server::Server for Chat {
    async fn create_chat_completion(
        &self,
        request: CreateChatCompletion,
        _context: rt::server::Context,
    ) -> Result<CreateChatCompletionResponse2, rt::server::ServerError> {
        if request.body.stream != Some(true) {
            let completion: CreateChatCompletionResponse = serde_json::from_value(json!({
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": "gpt-test",
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                             "message": {"role": "assistant", "content": "Hello, world!", "refusal": null}}]
            }))
            .expect("a completion as the spec describes it");
            return Ok(CreateChatCompletionResponse2::Ok(completion));
        }
        self.asked_to_stream.fetch_add(1, Ordering::SeqCst);
        if self.endless {
            let guard = OnDrop(self.dropped.clone());
            let chunks = futures_util::stream::iter(0..10_000).then(move |i| {
                let _alive = &guard;
                async move {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    chunk(i, "x")
                }
            });
            return Ok(CreateChatCompletionResponse2::OkStream(
                rt::server::EventStream::new(chunks),
            ));
        }
        let parts = ["Hello", ", ", "world!"];
        let chunks = futures_util::stream::iter(parts.into_iter().enumerate())
            .map(|(i, part)| chunk(i, part));
        Ok(CreateChatCompletionResponse2::OkStream(
            rt::server::EventStream::new(chunks).done("[DONE]"),
        ))
    }
}

async fn serve(chat: Chat) -> (rt::Client, Arc<Chat>) {
    let chat = Arc::new(chat);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = openai::server::router(SharedChat(chat.clone()));
    tokio::spawn(async move { rt::server::serve(listener, app).await.unwrap() });
    (client(&format!("http://{address}")), chat)
}

fn client(url: &str) -> rt::Client {
    rt::Client::builder(url)
        .api_key("sk-test")
        .auth_scheme(openai::AUTH_SCHEME)
        .max_retries(0)
        .build()
        .unwrap()
}

/// The server behind an `Arc`, so that the test reads what it saw.
struct SharedChat(Arc<Chat>);

impl openai::server::Server for SharedChat {
    async fn create_chat_completion(
        &self,
        request: CreateChatCompletion,
        context: rt::server::Context,
    ) -> Result<CreateChatCompletionResponse2, rt::server::ServerError> {
        self.0.create_chat_completion(request, context).await
    }
}

#[tokio::test]
async fn a_chat_completion_streams_from_the_generated_server_through_the_generated_client() {
    let (client, chat) = serve(Chat::default()).await;
    let mut stream = client.stream(&request()).await.expect("the stream starts");
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    assert!(stream.request_id().is_some_and(|id| id.starts_with("req_")));
    let mut text = String::new();
    let mut count = 0;
    while let Some(event) = stream.next().await {
        let event = event.expect("each chunk decodes as CreateChatCompletionStreamResponse");
        text.push_str(&content(&event.data));
        count += 1;
    }
    // `[DONE]` ended the stream; it is not an event.
    assert_eq!((count, text.as_str()), (3, "Hello, world!"));
    assert_eq!(chat.asked_to_stream.load(Ordering::SeqCst), 1);

    // The same operation without streaming answers one JSON completion.
    let completion = client.send(&request()).await.expect("a JSON completion");
    let value = serde_json::to_value(&*completion).unwrap();
    assert_eq!(value["choices"][0]["message"]["content"], "Hello, world!");
    assert_eq!(chat.asked_to_stream.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_client_that_goes_away_ends_the_servers_stream() {
    let (client, chat) = serve(Chat {
        endless: true,
        ..Chat::default()
    })
    .await;
    let mut stream = client.stream(&request()).await.unwrap();
    for _ in 0..3 {
        stream.next().await.unwrap().unwrap();
    }
    assert!(!chat.dropped.load(Ordering::SeqCst));
    drop(stream);
    for _ in 0..500 {
        if chat.dropped.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server kept streaming to a client that went away");
}

/// A server on 127.0.0.1 that answers one request with `head` and then writes `chunks`
/// (each as one HTTP chunk, flushed, 20 ms apart), then closes: cleanly with the last chunk
/// when `finish`, abruptly otherwise.
async fn raw_server(head: String, chunks: Vec<String>, finish: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0; 65536];
        let mut read = Vec::new();
        while !read.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).await.unwrap();
            if n == 0 {
                return;
            }
            read.extend_from_slice(&buffer[..n]);
        }
        socket.write_all(head.as_bytes()).await.unwrap();
        for chunk in chunks {
            let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
            socket.write_all(framed.as_bytes()).await.unwrap();
            socket.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if finish {
            socket.write_all(b"0\r\n\r\n").await.unwrap();
        }
        // Dropped: the connection closes.
    });
    format!("http://{address}")
}

const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nrequest-id: req_raw\r\ntransfer-encoding: chunked\r\n\r\n";

#[tokio::test]
async fn framing_multi_line_data_comments_names_ids_and_the_sentinel() {
    let first = serde_json::to_string(&chunk(0, "Hel")).unwrap();
    // One event's JSON over two `data:` lines (joined by a newline, still JSON), split
    // across HTTP chunks in the middle of a line.
    let second = serde_json::to_value(chunk(1, "lo")).unwrap();
    let (left, right) = split_json(&second);
    let chunks = vec![
        ": connected\n\n".to_owned(),
        format!("event: delta\nid: 1\ndata: {first}\n\n"),
        format!("data: {left}\nda"),
        format!("ta: {right}\r\n\r\n: keep-alive\n\n"),
        "data: [DONE]\n\n".to_owned(),
        // After the sentinel nothing is read.
        "data: {\"not\": \"read\"}\n\n".to_owned(),
    ];
    let url = raw_server(STREAM_HEAD.to_owned(), chunks, true).await;
    let mut stream = client(&url).stream(&request()).await.unwrap();
    assert_eq!(stream.request_id(), Some("req_raw"));
    let one = stream.next().await.unwrap().unwrap();
    assert_eq!(one.event.as_deref(), Some("delta"));
    assert_eq!(one.id.as_deref(), Some("1"));
    assert_eq!(content(&one.data), "Hel");
    let two = stream.next().await.unwrap().unwrap();
    assert_eq!(two.event, None, "a name is for one event only");
    assert_eq!(two.id.as_deref(), Some("1"), "the last id stays");
    assert_eq!(content(&two.data), "lo");
    assert!(stream.next().await.is_none(), "[DONE] ends the stream");
    assert!(stream.next().await.is_none());
}

/// A JSON object's text cut in two after its first member.
fn split_json(value: &Value) -> (String, String) {
    let text = serde_json::to_string(value).unwrap();
    let cut = text.find(",\"").expect("an object with two members") + 1;
    (text[..cut].to_owned(), text[cut..].to_owned())
}

#[tokio::test]
async fn a_connection_lost_mid_stream_is_an_error_after_the_events_that_came() {
    let first = serde_json::to_string(&chunk(0, "Hel")).unwrap();
    let chunks = vec![format!("data: {first}\n\n"), "data: {\"id\":".to_owned()];
    let url = raw_server(STREAM_HEAD.to_owned(), chunks, false).await;
    let mut stream = client(&url).stream(&request()).await.unwrap();
    let one = stream.next().await.unwrap().unwrap();
    assert_eq!(content(&one.data), "Hel");
    match stream.next().await {
        Some(Err(rt::Error::Connection(_))) => {}
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert!(stream.next().await.is_none(), "nothing after the error");
}

#[tokio::test]
async fn an_event_that_does_not_decode_is_an_error_and_the_stream_goes_on() {
    let last = serde_json::to_string(&chunk(2, "!")).unwrap();
    let chunks = vec![
        "data: {\"unexpected\": true}\n\n".to_owned(),
        format!("data: {last}\n\n"),
    ];
    let url = raw_server(STREAM_HEAD.to_owned(), chunks, true).await;
    let mut stream = client(&url).stream(&request()).await.unwrap();
    match stream.next().await {
        Some(Err(rt::Error::Decode(error))) => {
            assert!(error.snippet.contains("unexpected"), "{error:?}")
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let next = stream.next().await.unwrap().unwrap();
    assert_eq!(content(&next.data), "!");
    assert!(
        stream.next().await.is_none(),
        "the server closed the stream"
    );
}

#[tokio::test]
async fn an_error_before_the_stream_starts_is_the_error_envelope() {
    let body = r#"{"error": {"type": "rate_limit_error", "message": "Slow down, please......"}}"#;
    let head = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let url = raw_server(head, Vec::new(), false).await;
    match client(&url).stream(&request()).await {
        Err(rt::Error::RateLimit(error)) => {
            assert_eq!(
                error.error.message.as_deref(),
                Some("Slow down, please......")
            )
        }
        other => panic!("expected a rate limit error, got {other:?}"),
    }
}
