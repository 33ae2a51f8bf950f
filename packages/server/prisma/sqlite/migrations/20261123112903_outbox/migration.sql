-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Inbox" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "senderName" TEXT NOT NULL,
    "signature" TEXT NOT NULL DEFAULT '',
    "casePrefix" TEXT NOT NULL,
    "autoReplyEnabled" BOOLEAN NOT NULL DEFAULT false,
    "autoReplySubject" TEXT NOT NULL DEFAULT '',
    "autoReplyText" TEXT NOT NULL DEFAULT '',
    "autoReplyIntervalMinutes" INTEGER NOT NULL DEFAULT 240,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Inbox_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Inbox" ("casePrefix", "createdAt", "id", "name", "senderName", "signature", "workspaceId") SELECT "casePrefix", "createdAt", "id", "name", "senderName", "signature", "workspaceId" FROM "Inbox";
DROP TABLE "Inbox";
ALTER TABLE "new_Inbox" RENAME TO "Inbox";
CREATE INDEX "Inbox_workspaceId_idx" ON "Inbox"("workspaceId");
CREATE TABLE "new_Message" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "authorId" TEXT,
    "authorPlugin" TEXT,
    "fromAddress" TEXT,
    "fromName" TEXT,
    "to" JSONB,
    "cc" JSONB,
    "subject" TEXT,
    "text" TEXT,
    "html" TEXT,
    "messageId" TEXT,
    "inReplyTo" TEXT,
    "references" JSONB,
    "raw" BLOB,
    "parseProblem" TEXT,
    "deliveryKey" TEXT,
    "event" JSONB,
    "automated" BOOLEAN NOT NULL DEFAULT false,
    "autoReply" BOOLEAN NOT NULL DEFAULT false,
    "deliveryState" TEXT,
    "sendAt" DATETIME,
    "sentAt" DATETIME,
    "deliveryAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME,
    "lastDeliveryError" TEXT,
    "leaseUntil" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Message_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Message_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Message_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Message" ("authorId", "authorPlugin", "cc", "conversationId", "createdAt", "deliveryKey", "direction", "event", "fromAddress", "fromName", "html", "id", "inReplyTo", "kind", "messageId", "parseProblem", "raw", "references", "subject", "text", "to", "workspaceId") SELECT "authorId", "authorPlugin", "cc", "conversationId", "createdAt", "deliveryKey", "direction", "event", "fromAddress", "fromName", "html", "id", "inReplyTo", "kind", "messageId", "parseProblem", "raw", "references", "subject", "text", "to", "workspaceId" FROM "Message";
DROP TABLE "Message";
ALTER TABLE "new_Message" RENAME TO "Message";
CREATE UNIQUE INDEX "Message_deliveryKey_key" ON "Message"("deliveryKey");
CREATE INDEX "Message_conversationId_createdAt_idx" ON "Message"("conversationId", "createdAt");
CREATE INDEX "Message_workspaceId_messageId_idx" ON "Message"("workspaceId", "messageId");
CREATE INDEX "Message_deliveryState_nextAttemptAt_idx" ON "Message"("deliveryState", "nextAttemptAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
