from django.db import models


class Passkey(models.Model):
    """A passkey an agent added on their profile, to log in with a fingerprint, a face or the device's PIN.

    Only what checking a log-in needs is kept: the credential's id and public key, and the authenticator's
    signature counter (a counter that goes backwards means a copied key). Nothing here opens the account;
    the private key never leaves the agent's device.
    """

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=60, help_text="The agent's name for it, such as the device it is on")
    # base64url, as browsers send it: a credential id is at most 1,023 bytes (1,364 characters).
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField(help_text="COSE-encoded public key")
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name
