-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "spamThreshold" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "spamMarkedAt" TIMESTAMP(3),
ADD COLUMN     "spamReason" TEXT;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "spamLearnedAs" TEXT,
ADD COLUMN     "spamReasons" JSONB,
ADD COLUMN     "spamScore" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "SpamTokenCount" (
    "workspaceId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "spam" INTEGER NOT NULL DEFAULT 0,
    "ham" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SpamTokenCount_pkey" PRIMARY KEY ("workspaceId","token")
);

-- CreateTable
CREATE TABLE "SpamModelTotals" (
    "workspaceId" TEXT NOT NULL,
    "spamMessages" INTEGER NOT NULL DEFAULT 0,
    "hamMessages" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SpamModelTotals_pkey" PRIMARY KEY ("workspaceId")
);
