"""The account centre as an OpenID Shared Signals Framework 1.0 transmitter.

Security Event Tokens (RFC 8417) with the RISC 1.0 and CAEP 1.0 event types,
one stream per platform (its receiver authenticated by the platform's OIDC
client credentials), push (RFC 8935) and poll (RFC 8936) delivery from an
outbox written in the same transaction as the change that causes each event.
"""
