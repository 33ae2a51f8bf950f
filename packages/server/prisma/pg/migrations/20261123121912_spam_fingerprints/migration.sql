-- CreateTable
CREATE TABLE "SpamFingerprint" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "signature" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SpamFingerprint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpamFingerprintBand" (
    "workspaceId" TEXT NOT NULL,
    "band" TEXT NOT NULL,
    "fingerprintId" TEXT NOT NULL,

    CONSTRAINT "SpamFingerprintBand_pkey" PRIMARY KEY ("workspaceId","band","fingerprintId")
);

-- CreateIndex
CREATE UNIQUE INDEX "SpamFingerprint_messageId_key" ON "SpamFingerprint"("messageId");

-- CreateIndex
CREATE INDEX "SpamFingerprintBand_fingerprintId_idx" ON "SpamFingerprintBand"("fingerprintId");

-- AddForeignKey
ALTER TABLE "SpamFingerprintBand" ADD CONSTRAINT "SpamFingerprintBand_fingerprintId_fkey" FOREIGN KEY ("fingerprintId") REFERENCES "SpamFingerprint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
