"""The worker wing: what runs outside a request to deliver the outbox.

- errors.py   RetryLater / DeliveryFailed, the two answers a handler may give (imported by handlers);
- handlers.py the one table of topic prefix -> handler, loaded by every worker (thread, RQ, `flask worker`);
- dispatch.py the delivery pass: claims, order per aggregate, retries with backoff;
- jobs.py     the RQ job (a worker process builds its own app, without the web blueprints);
- wechat_notifications.py  sending a queued notification over WeChat.

Requests only enqueue (backend/services/filing/outbox.py); the queue adapter (backend/adapters/queue.py) wakes
the configured worker after a commit that queued work. Nothing in this package is imported by a
request's code path except errors.py.
"""
