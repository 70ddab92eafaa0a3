"""Encryption at rest for credentials and signing secrets (Fernet; several keys for rotation).

``NUMLINK_SECRET_KEYS`` lists Fernet keys, newest first: the first encrypts, any decrypts, so a
new key is put in front, ``numlink secrets rotate`` re-encrypts the stored values, and the old
key is then dropped. Without the setting a key is generated once into the data directory.
"""

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

UNDECRYPTABLE = "a stored secret does not decrypt with any key in NUMLINK_SECRET_KEYS"


class SecretBoxError(Exception):
    """A stored value cannot be decrypted with any configured key."""


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one secret key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def seal(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def open(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:
            raise SecretBoxError(UNDECRYPTABLE) from None

    def reseal(self, token: bytes) -> bytes:
        """The same value encrypted with the current (first) key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise SecretBoxError(UNDECRYPTABLE) from None


def parse_keys(raw: str) -> list[str]:
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    for key in keys:
        Fernet(key.encode())  # raises ValueError on a malformed key
    return keys


def local_key(data_dir: Path) -> str:
    """The development key kept in the data directory, created on first use (mode 0600)."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key
