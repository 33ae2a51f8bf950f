-- CreateEnum
CREATE TYPE "DeliveryState" AS ENUM ('QUEUED', 'HELD', 'SENT', 'FAILED', 'CANCELLED');

-- AlterTable
ALTER TABLE "Inbox" ADD COLUMN     "autoReplyEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "autoReplyIntervalMinutes" INTEGER NOT NULL DEFAULT 240,
ADD COLUMN     "autoReplySubject" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "autoReplyText" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "autoReply" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "automated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "deliveryAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "deliveryState" "DeliveryState",
ADD COLUMN     "lastDeliveryError" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMP(3),
ADD COLUMN     "nextAttemptAt" TIMESTAMP(3),
ADD COLUMN     "sendAt" TIMESTAMP(3),
ADD COLUMN     "sentAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Message_deliveryState_nextAttemptAt_idx" ON "Message"("deliveryState", "nextAttemptAt");
