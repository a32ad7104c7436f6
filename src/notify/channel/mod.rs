//! Notification channels: webhook, WeCom, DingTalk, e-mail, MQTT. (Stub: filled in by the
//! channel work.)
