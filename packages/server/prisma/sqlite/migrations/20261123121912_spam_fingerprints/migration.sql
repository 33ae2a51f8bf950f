-- CreateTable
CREATE TABLE "SpamFingerprint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "signature" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SpamFingerprintBand" (
    "workspaceId" TEXT NOT NULL,
    "band" TEXT NOT NULL,
    "fingerprintId" TEXT NOT NULL,

    PRIMARY KEY ("workspaceId", "band", "fingerprintId"),
    CONSTRAINT "SpamFingerprintBand_fingerprintId_fkey" FOREIGN KEY ("fingerprintId") REFERENCES "SpamFingerprint" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "SpamFingerprint_messageId_key" ON "SpamFingerprint"("messageId");

-- CreateIndex
CREATE INDEX "SpamFingerprintBand_fingerprintId_idx" ON "SpamFingerprintBand"("fingerprintId");
