-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN "spamThreshold" REAL;

-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN "spamMarkedAt" DATETIME;
ALTER TABLE "Conversation" ADD COLUMN "spamReason" TEXT;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN "spamLearnedAs" TEXT;
ALTER TABLE "Message" ADD COLUMN "spamReasons" JSONB;
ALTER TABLE "Message" ADD COLUMN "spamScore" REAL;

-- CreateTable
CREATE TABLE "SpamTokenCount" (
    "workspaceId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "spam" INTEGER NOT NULL DEFAULT 0,
    "ham" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("workspaceId", "token")
);

-- CreateTable
CREATE TABLE "SpamModelTotals" (
    "workspaceId" TEXT NOT NULL PRIMARY KEY,
    "spamMessages" INTEGER NOT NULL DEFAULT 0,
    "hamMessages" INTEGER NOT NULL DEFAULT 0
);
