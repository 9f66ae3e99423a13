//! The one error catalogue: every code with its HTTP status and default message, in both languages.
//! Store and search errors are converted here once; handlers never pick a status by hand.

use std::borrow::Cow;

use crate::i18n::Lang;

/// A message for people, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Msg {
    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Msg {
        Msg {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $zh:literal, $en:literal;)*) => {
        /// Every error code the API can answer with.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),* }
            }
            pub fn default_msg(self) -> Msg {
                match self { $(ErrorCode::$variant => Msg::new($zh, $en)),* }
            }
        }
    };
}

error_codes! {
    InvalidJson = "invalid_json", 400, "请求内容不是有效的 JSON。", "The request body is not valid JSON.";
    InvalidField = "invalid_field", 422, "字段内容不正确。", "A field has an invalid value.";
    Unauthenticated = "unauthenticated", 401, "请先登录。", "Please log in first.";
    InvalidCredentials = "invalid_credentials", 401, "用户名或密码不正确。", "Wrong username or password.";
    Forbidden = "forbidden", 403, "您没有执行此操作的权限。", "You do not have permission to do this.";
    CrossOrigin = "cross_origin", 403, "请求来源不被允许。", "Requests from another site are not allowed.";
    NotFound = "not_found", 404, "记录不存在或已被删除。", "The record does not exist or was deleted.";
    VersionConflict = "version_conflict", 409, "该记录已被他人修改，请刷新后再保存。", "Someone else changed this record; reload it and save again.";
    OwnedByOther = "owned_by_other", 409, "该记录已由其他人负责，请申请转移。", "Someone else owns this record; ask for a transfer.";
    Duplicate = "duplicate", 409, "已存在相同的记录。", "A record with the same value already exists.";
    Conflict = "conflict", 409, "当前状态不允许此操作。", "This cannot be done in the record's current state.";
    SetupDone = "setup_done", 409, "系统已完成初始化。", "Kontor has already been set up.";
    SetupRequired = "setup_required", 409, "请先完成系统初始化。", "Kontor has not been set up yet.";
    PayloadTooLarge = "payload_too_large", 413, "请求内容过大。", "The request is too large.";
    UnsupportedMediaType = "unsupported_media_type", 415, "请求内容须为 JSON。", "The request body must be JSON.";
    TooManyAttempts = "too_many_attempts", 429, "尝试次数过多，请稍后再试。", "Too many attempts; please wait and try again.";
    Internal = "internal", 500, "服务器内部错误，请稍后再试。", "Internal server error; please try again.";
    Unavailable = "unavailable", 503, "服务暂时不可用，请稍后再试。", "The service is temporarily unavailable; please try again.";
    StorageFull = "storage_full", 507, "磁盘空间不足，无法保存。请联系管理员清理空间。", "The disk is full; nothing was saved. Ask the administrator to free space.";
}

/// An error a caller sees: a code, the field it concerns, and a message for people.
#[derive(Clone, Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub field: Option<String>,
    pub msg: Msg,
    /// For version conflicts: the version the record has now.
    pub current_version: Option<u64>,
    /// Seconds to wait, for throttling.
    pub retry_after: Option<u64>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode) -> AppError {
        AppError {
            code,
            field: None,
            msg: code.default_msg(),
            current_version: None,
            retry_after: None,
        }
    }
    pub fn with_msg(mut self, msg: Msg) -> AppError {
        self.msg = msg;
        self
    }
    pub fn on_field(mut self, field: impl Into<String>) -> AppError {
        self.field = Some(field.into());
        self
    }
    /// A field-level validation error.
    pub fn invalid(field: impl Into<String>, msg: Msg) -> AppError {
        AppError::new(ErrorCode::InvalidField)
            .on_field(field)
            .with_msg(msg)
    }
    pub fn required(field: &str) -> AppError {
        AppError::invalid(
            field,
            Msg::new(
                format!("“{field}”不能为空。"),
                format!("“{field}” is required."),
            ),
        )
    }
    pub fn forbidden() -> AppError {
        AppError::new(ErrorCode::Forbidden)
    }
    pub fn not_found() -> AppError {
        AppError::new(ErrorCode::NotFound)
    }
    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        tracing::error!("internal error: {detail}");
        AppError::new(ErrorCode::Internal)
    }
    pub fn message(&self, lang: Lang) -> &str {
        self.msg.get(lang)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.msg.en)?;
        if let Some(field) = &self.field {
            write!(f, " (field {field})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> AppError {
        use crate::store::StoreError as S;
        match e {
            S::NotFound => AppError::not_found(),
            S::VersionConflict { current } => {
                let mut err = AppError::new(ErrorCode::VersionConflict).on_field("version");
                err.current_version = Some(current);
                err
            }
            S::Unique { field, .. } => AppError::new(ErrorCode::Duplicate)
                .on_field(field.clone())
                .with_msg(Msg::new(
                    format!("“{field}”已被使用，请换一个。"),
                    format!("This {field} is already in use; choose another."),
                )),
            S::Deleted => AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                "该记录在回收站中，请先恢复。",
                "This record is in the recycle bin; restore it first.",
            )),
            S::DiskFull => AppError::new(ErrorCode::StorageFull),
            S::Closed => AppError::new(ErrorCode::Unavailable),
            S::Corrupt(detail) | S::Internal(detail) => AppError::internal(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            assert!(code.status() >= 400);
            assert!(!code.default_msg().zh.is_empty() && !code.default_msg().en.is_empty());
        }
    }
}
